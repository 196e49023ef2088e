//! Vietnamese personal names as they are commonly spelled, to mend what
//! OCR does to their diacritics.
//!
//! OCR loses or changes a diacritic more often than a letter ("NGUYÊN"
//! for "NGUYỄN", "Hiểu" for "Hiếu", "KHUE" for "KHUÊ"). A name word that
//! is not spelled as any common name word, but folds ([`fold`]) to exactly
//! one of them, is written as that one. A word spelled as a common one is
//! left alone, and so is one that folds to several ("Thứ": "Thu" or
//! "Thư"?): a wrong name is worse than one read as printed.
//!
//! The tables were written by hand from common Vietnamese names (not from
//! any test set); where two common spellings fold alike, both are listed
//! so that neither is ever turned into the other.

use crate::fold::fold;

/// Common surnames.
const SURNAMES: [&str; 36] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Trương", "Lương", "Đoàn", "Đào", "Vương",
    "Triệu", "Quách", "Lâm", "Tạ", "Thái", "Châu", "Kiều", "Tăng", "Khúc", "Nông", "Hà", "Tô",
    "Lò",
];

/// Common middle and given names, one syllable each.
const NAME_WORDS: &[&str] = &[
    "An",
    "Anh",
    "Ánh",
    "Ân",
    "Bá",
    "Bảo",
    "Bắc",
    "Bằng",
    "Bích",
    "Bình",
    "Ca",
    "Cát",
    "Cẩm",
    "Chánh",
    "Châu",
    "Chi",
    "Chiến",
    "Chinh",
    "Chính",
    "Chung",
    "Công",
    "Cúc",
    "Cường",
    "Danh",
    "Dân",
    "Diệp",
    "Diễm",
    "Diệu",
    "Du",
    "Dung",
    "Dũng",
    "Duy",
    "Duyên",
    "Dương",
    "Đại",
    "Đan",
    "Đào",
    "Đạt",
    "Điền",
    "Điệp",
    "Định",
    "Đình",
    "Đoan",
    "Đông",
    "Đức",
    "Gấm",
    "Gia",
    "Giang",
    "Hà",
    "Hạ",
    "Hải",
    "Hạnh",
    "Hào",
    "Hảo",
    "Hằng",
    "Hân",
    "Hậu",
    "Hiền",
    "Hiển",
    "Hiếu",
    "Hiệp",
    "Hoa",
    "Hòa",
    "Hoài",
    "Hoan",
    "Hoàn",
    "Hoàng",
    "Hồng",
    "Hợp",
    "Huân",
    "Huệ",
    "Hùng",
    "Hưng",
    "Hương",
    "Hường",
    "Huy",
    "Huyền",
    "Hữu",
    "Khải",
    "Khang",
    "Khanh",
    "Khánh",
    "Khắc",
    "Khoa",
    "Khôi",
    "Khuê",
    "Kiên",
    "Kiệt",
    "Kiều",
    "Kim",
    "Kỳ",
    "Lai",
    "Lam",
    "Lan",
    "Lâm",
    "Lập",
    "Liên",
    "Liêm",
    "Linh",
    "Loan",
    "Lộc",
    "Lợi",
    "Long",
    "Luân",
    "Lực",
    "Lụa",
    "Lương",
    "Ly",
    "Lý",
    "Mai",
    "Mạnh",
    "Minh",
    "My",
    "Mỹ",
    "Nam",
    "Nga",
    "Ngân",
    "Nghĩa",
    "Ngọc",
    "Nguyên",
    "Nguyệt",
    "Nhàn",
    "Nhân",
    "Nhi",
    "Nhung",
    "Như",
    "Ninh",
    "Oanh",
    "Phát",
    "Phong",
    "Phú",
    "Phúc",
    "Phụng",
    "Phước",
    "Phương",
    "Phượng",
    "Quân",
    "Quang",
    "Quế",
    "Quốc",
    "Quý",
    "Quyên",
    "Quyết",
    "Quỳnh",
    "Sang",
    "Sáng",
    "Sơn",
    "Sinh",
    "Sương",
    "Tài",
    "Tâm",
    "Tân",
    "Tấn",
    "Thái",
    "Thành",
    "Thanh",
    "Thảo",
    "Thắng",
    "Thế",
    "Thiện",
    "Thịnh",
    "Thoa",
    "Thông",
    "Thơm",
    "Thu",
    "Thuận",
    "Thúy",
    "Thùy",
    "Thủy",
    "Thư",
    "Thương",
    "Thy",
    "Thị",
    "Tiến",
    "Tiên",
    "Tín",
    "Toàn",
    "Trà",
    "Trâm",
    "Trang",
    "Trí",
    "Trinh",
    "Trọng",
    "Trung",
    "Trúc",
    "Trường",
    "Tú",
    "Tuấn",
    "Tùng",
    "Tuyết",
    "Tuyền",
    "Tường",
    "Uyên",
    "Vân",
    "Văn",
    "Việt",
    "Vinh",
    "Vĩnh",
    "Vũ",
    "Vy",
    "Xuân",
    "Yến",
    "Hiên",
    "Nhật",
    "Lệ",
];

/// Is this word a common surname, whatever OCR did to its diacritics?
pub fn is_surname(word: &str) -> bool {
    SURNAMES.iter().any(|s| fold(s) == fold(word))
}

/// `word` as `table` spells it: unchanged when the table has it, else the
/// one entry it folds to, if there is exactly one.
fn spelled(word: &str, table: &[&'static str]) -> Option<&'static str> {
    if table.contains(&word) {
        return None;
    }
    let folded = fold(word);
    let mut like = table.iter().filter(|t| fold(t) == folded);
    match (like.next(), like.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

/// The two middle names that mark sex: a middle word that folds to one of
/// them is that one ("Van" is "Văn" there, never "Vân").
const MIDDLE_NAMES: [&str; 2] = ["Văn", "Thị"];

/// A title-cased name with each word spelled as common names spell it:
/// the first against the surnames, a middle one against "Văn" and "Thị"
/// first, the others against the name words.
pub fn common_spellings(name: &str) -> String {
    let words: Vec<&str> = name.split(' ').collect();
    let last = words.len().saturating_sub(1);
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let mended = match i {
                0 => spelled(w, &SURNAMES),
                i if i < last => spelled(w, &MIDDLE_NAMES).or_else(|| spelled(w, NAME_WORDS)),
                _ => spelled(w, NAME_WORDS),
            };
            mended.unwrap_or(w).to_string()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diacritic_ocr_changed_is_mended_only_where_one_name_fits() {
        for (read, meant) in [
            ("Nguyên Văn An", "Nguyễn Văn An"),
            ("Nguyễn Van Nam", "Nguyễn Văn Nam"),
            ("Trần Thi Mai", "Trần Thị Mai"),
            ("Lý Duy Hiểu", "Lý Duy Hiếu"),
            ("Châu Quynh Khue", "Châu Quỳnh Khuê"),
            ("Dương Ngọc Nhỉ", "Dương Ngọc Nhi"),
            ("Vương Ánh Hàng", "Vương Ánh Hằng"),
            ("Lương Ánh Yên", "Lương Ánh Yến"),
            // Spelled as a common name: left alone.
            ("Lê Thanh Hòa", "Lê Thanh Hòa"),
            ("Lê Thanh Hoa", "Lê Thanh Hoa"),
            // Folds to two common names ("Thu", "Thư"): left as read.
            ("Võ Bích Thứ", "Võ Bích Thứ"),
            // No common name near: left as read.
            ("Lò Văn Pằng", "Lò Văn Pằng"),
        ] {
            assert_eq!(common_spellings(read), meant, "{read}");
        }
    }

    #[test]
    fn the_tables_hold_each_spelling_once() {
        let mut seen = std::collections::HashSet::new();
        for w in NAME_WORDS {
            assert_eq!(*w, crate::fields::title_case(w), "{w}");
            assert!(seen.insert(w), "{w} twice");
        }
    }
}
