//! Vietnamese personal names as they are commonly spelled, to mend what
//! OCR does to their diacritics.
//!
//! OCR loses or changes a diacritic more often than a letter ("NGUYÊN"
//! for "NGUYỄN", "Hiểu" for "Hiếu", "KHUE" for "KHUÊ"). A name word that
//! is not spelled as any common name word, but folds ([`fold`]) to exactly
//! one of them, is written as that one. A word spelled as a common one is
//! left alone, and so is one that folds to several ("Thứ": "Thu" or
//! "Thư"?): a wrong name is worse than one read as printed. Of several,
//! only the one whose tone is the word's turned the other way (acute for
//! grave, or grave for acute: strokes that differ only in their slant,
//! which OCR confuses over capitals, "TIỀN" for "TIẾN") is taken.
//!
//! The tables were written by hand from common Vietnamese names (not from
//! any test set); where two common spellings fold alike, both are listed
//! so that neither is ever turned into the other.

use crate::fold::fold;
use unicode_normalization::UnicodeNormalization;

/// Common surnames. Left out: those that also start common capitalised
/// lines of a form ("Văn" of "VĂN PHÒNG", "Đồng" and "Ninh" of province
/// names), and "Ông", an honorific too ([`crate::fields`] tells them apart).
const SURNAMES: [&str; 62] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Trương", "Lương", "Đoàn", "Đào", "Vương",
    "Triệu", "Quách", "Lâm", "Tạ", "Thái", "Châu", "Kiều", "Tăng", "Khúc", "Nông", "Hà", "Tô",
    "Lò", "Mai", "Cao", "Lưu", "Chu", "Phùng", "Tống", "Đàm", "Hứa", "Lại", "Mạc", "Doãn", "Lã",
    "La", "Âu", "Nghiêm", "Giáp", "Lục", "Vi", "Bế", "Thạch", "Tôn", "Cù", "Khổng", "Mã", "Hàn",
    "Hầu",
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

/// How many words of a title-cased name are spelled exactly as a common
/// name word is (its first against the surnames, the others against the
/// name words and the two middle names): what tells "Phan Thu Giang"
/// from the misread "Phan Thủ Giang" when each is read once.
pub fn common_words(name: &str) -> usize {
    name.split(' ')
        .enumerate()
        .filter(|(i, w)| match i {
            0 => SURNAMES.contains(w),
            _ => MIDDLE_NAMES.contains(w) || NAME_WORDS.contains(w),
        })
        .count()
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
        (Some(_), Some(_)) => {
            let turned = tone_turned(word)?;
            table.iter().find(|t| **t == turned).copied()
        }
        _ => None,
    }
}

/// `word` with its acute tone mark turned into a grave one, or its grave
/// into an acute; `None` when it carries neither.
fn tone_turned(word: &str) -> Option<String> {
    const GRAVE: char = '\u{300}';
    const ACUTE: char = '\u{301}';
    let marks: Vec<char> = word.nfd().collect();
    if !marks.iter().any(|c| [GRAVE, ACUTE].contains(c)) {
        return None;
    }
    let turned = marks.into_iter().map(|c| match c {
        GRAVE => ACUTE,
        ACUTE => GRAVE,
        c => c,
    });
    Some(turned.nfc().collect())
}

/// The two middle names that mark sex: a middle word that folds to one of
/// them is that one ("Van" is "Văn" there, never "Vân").
const MIDDLE_NAMES: [&str; 2] = ["Văn", "Thị"];

/// A title-cased name with each word spelled as common names spell it:
/// the first against the surnames, a middle one against "Văn" and "Thị"
/// first, the others against the name words. Two common name words OCR
/// ran together ("Anhvinh") are parted. `None` when a word holds a letter
/// read twice ([`stacked_twice`]) that no one common name word mends: the
/// name was misread, and a wrong name is worse than none; so when a word
/// is spelled as no Vietnamese syllable is ([`well_spelled`]).
pub fn common_spellings(name: &str) -> Option<String> {
    let words: Vec<String> = name.split(' ').flat_map(parted).collect();
    let last = words.len().saturating_sub(1);
    let mut out = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let spell = |w: &str| match i {
            0 => as_in(w, &SURNAMES),
            i if i < last => as_in(w, &MIDDLE_NAMES).or_else(|| as_in(w, NAME_WORDS)),
            _ => as_in(w, NAME_WORDS),
        };
        let mended = match stacked_twice(w) {
            Some(readings) => Some(one_of(readings.iter().map(|r| spell(r)))?),
            None => spell(w).filter(|m| m != w),
        };
        out.push(mended.map_or_else(|| w.clone(), str::to_string));
    }
    out.iter().all(|w| well_spelled(w)).then(|| out.join(" "))
}

/// The consonants a Vietnamese syllable starts with.
const ONSETS: [&str; 27] = [
    "ngh", "ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
];

/// What follows the first consonant in a Vietnamese syllable, its tone
/// mark left out: every rhyme the spelling has (and "iê", as the Ê Đê
/// surname "Niê" is written).
const RHYMES: &[&str] = &[
    "a", "ac", "ach", "ai", "am", "an", "ang", "anh", "ao", "ap", "at", "au", "ay", "ăc", "ăm",
    "ăn", "ăng", "ăp", "ăt", "âc", "âm", "ân", "âng", "âp", "ât", "âu", "ây", "e", "ec", "em",
    "en", "eng", "eo", "ep", "et", "ê", "êch", "êm", "ên", "ênh", "êp", "êt", "êu", "i", "ia",
    "ich", "im", "in", "inh", "ip", "it", "iu", "iê", "iêc", "iêm", "iên", "iêng", "iêp", "iêt",
    "iêu", "o", "oa", "oac", "oach", "oai", "oam", "oan", "oang", "oanh", "oao", "oap", "oat",
    "oay", "oăc", "oăm", "oăn", "oăng", "oăt", "oc", "oe", "oem", "oen", "oeo", "oet", "oi", "om",
    "on", "ong", "ooc", "oong", "op", "ot", "ô", "ôc", "ôi", "ôm", "ôn", "ông", "ôp", "ôt", "ơ",
    "ơi", "ơm", "ơn", "ơp", "ơt", "u", "ua", "uân", "uâng", "uât", "uây", "uc", "uê", "uêch",
    "uênh", "ui", "um", "un", "ung", "uơ", "uôc", "uôi", "uôm", "uôn", "uông", "uôt", "up", "ut",
    "uy", "uya", "uych", "uyên", "uyêt", "uynh", "uyt", "uyu", "ư", "ưa", "ưc", "ưi", "ưm", "ưn",
    "ưng", "ươc", "ươi", "ươm", "ươn", "ương", "ươp", "ươt", "ươu", "ưt", "ưu", "y", "yêm", "yên",
    "yêng", "yêt", "yêu",
];

/// Could this name word be a Vietnamese syllable as it is spelled? A
/// word that carries a Vietnamese mark (a tone, or one of "ăâêôơưđ")
/// must be: a first consonant, a rhyme the spelling has, and, after a
/// final p, t, c or ch, an acute tone or a dot below. OCR makes words
/// no one is named ("NGÝN", "THỊYVY" with a speck read as a letter,
/// "Vă" with a fold's crease over its last letter); they are refused.
/// A word without such marks, or starting with consonants the spelling
/// does not have ("Kpă", "H'Hen": names of other peoples written in the
/// alphabet), is not judged.
fn well_spelled(word: &str) -> bool {
    const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
    let lower: Vec<char> = word.to_lowercase().nfd().collect();
    let tone = lower.iter().copied().find(|c| TONES.contains(c));
    let bare: String = lower
        .iter()
        .filter(|c| !TONES.contains(c))
        .collect::<String>()
        .nfc()
        .collect();
    if tone.is_none() && !bare.chars().any(|c| "ăâêôơưđ".contains(c)) {
        return true;
    }
    let lead: String = bare.chars().take_while(|c| !is_vowel(*c)).collect();
    if !lead.is_empty() && lead != "q" && !ONSETS.contains(&lead.as_str()) {
        return true;
    }
    let stop = |rhyme: &str| ["p", "t", "c", "ch"].iter().any(|f| rhyme.ends_with(f));
    ONSETS.iter().chain(&[""]).any(|onset| {
        bare.strip_prefix(onset).is_some_and(|rhyme| {
            // After "q" the "u" is the rhyme's too ("Quỳnh": "uynh").
            let spelled = RHYMES.contains(&rhyme)
                || (*onset == "qu" && RHYMES.contains(&format!("u{rhyme}").as_str()));
            spelled && (!stop(rhyme) || matches!(tone, Some('\u{301}') | Some('\u{323}')))
        })
    })
}

/// `word` as `table` spells it: itself when the table has it, else the
/// one entry it folds to.
fn as_in(word: &str, table: &[&'static str]) -> Option<&'static str> {
    table
        .iter()
        .find(|t| **t == word)
        .copied()
        .or_else(|| spelled(word, table))
}

/// The one value the options give, if they give one and only one.
fn one_of<'a>(options: impl Iterator<Item = Option<&'a str>>) -> Option<&'a str> {
    let mut found = None;
    for o in options.flatten() {
        if found.is_some_and(|f| f != o) {
            return None;
        }
        found = Some(o);
    }
    found
}

/// Is this one of the two honorifics' "Ông" as OCR may read it with a
/// letter read twice ("ÔÊNG")?
pub fn is_ong_read_twice(word: &str) -> bool {
    stacked_twice(word).is_some_and(|r| r.iter().any(|r| fold(r) == "ONG"))
}

/// The circumflex, breve and horn as decomposed marks: what makes "â",
/// "ê", "ô", "ă", "ơ", "ư" letters of their own.
const QUALITY_MARKS: [char; 3] = ['\u{302}', '\u{306}', '\u{31b}'];

/// A letter's base letter, upper case ("ầ" → 'A').
fn base(c: char) -> char {
    std::iter::once(c)
        .nfd()
        .next()
        .map_or(c, |b| b.to_ascii_uppercase())
}

fn is_vowel(c: char) -> bool {
    matches!(base(c), 'A' | 'E' | 'I' | 'O' | 'U' | 'Y')
}

fn has_quality_mark(c: char) -> bool {
    std::iter::once(c).nfd().any(|m| QUALITY_MARKS.contains(&m))
}

/// A word with one letter OCR read twice where its marks stack ("CHÂẦU"
/// for "CHÂU", "ÔÊNG" for "ÔNG", "ĐỨỮNH"): two vowels side by side that
/// both carry a circumflex, breve or horn, which no Vietnamese syllable
/// has but "ươ" ("Trương"); or the same plain vowel twice, once with its
/// tone mark ("PẢÁN", "Luụa"), which no syllable has but the "oo" of a
/// few loanwords ("xoong"). The word's two readings with one of the two
/// left out.
pub fn stacked_twice(word: &str) -> Option<[String; 2]> {
    let chars: Vec<char> = word.chars().collect();
    let i = chars.windows(2).position(|p| {
        let (a, b) = (p[0], p[1]);
        let stacked = [a, b].iter().all(|c| is_vowel(*c) && has_quality_mark(*c))
            && !(base(a) == 'U' && base(b) == 'O');
        let doubled = is_vowel(a)
            && base(a) == base(b)
            && base(a) != 'O'
            && !has_quality_mark(a)
            && !has_quality_mark(b);
        stacked || doubled
    })?;
    let without = |k: usize| {
        chars
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != k)
            .map(|(_, c)| c)
            .collect::<String>()
    };
    Some([without(i), without(i + 1)])
}

/// A word as the name words it holds: two common name words OCR ran
/// together ("Anhvinh") parted where one cut, and only one, gives two;
/// any other word as it is. A word of one syllable (one run of vowels:
/// "Thuận", "Nguyễn") is never cut.
fn parted(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let runs = chars
        .iter()
        .enumerate()
        .filter(|(i, c)| is_vowel(**c) && (*i == 0 || !is_vowel(chars[i - 1])))
        .count();
    let common = |w: &str| {
        let f = fold(w);
        SURNAMES
            .iter()
            .chain(NAME_WORDS)
            .chain(&MIDDLE_NAMES)
            .any(|t| fold(t) == f)
    };
    let cuts: Vec<usize> = (1..chars.len())
        .filter(|&k| {
            let (a, b): (String, String) =
                (chars[..k].iter().collect(), chars[k..].iter().collect());
            common(&a) && common(&b)
        })
        .collect();
    match cuts[..] {
        [k] if runs == 2 => {
            let b: String = chars[k..].iter().collect();
            let b = crate::fields::title_case(&b);
            vec![chars[..k].iter().collect(), b]
        }
        _ => vec![word.to_string()],
    }
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
            // Of two ("Tiên", "Tiến"), the one with the tone turned.
            ("Đoàn Tiền Bình", "Đoàn Tiến Bình"),
            ("Hồ Tiền Văn Dũng", "Hồ Tiến Văn Dũng"),
            ("Võ Bích Thứ", "Võ Bích Thứ"),
            // No common name near: left as read.
            ("Lò Văn Pằng", "Lò Văn Pằng"),
            // "ươ" is no letter read twice.
            ("Trương Văn Cường", "Trương Văn Cường"),
        ] {
            assert_eq!(common_spellings(read).as_deref(), Some(meant), "{read}");
        }
    }

    #[test]
    fn a_letter_read_twice_is_mended_where_one_common_name_fits_else_the_name_is_refused() {
        assert_eq!(
            common_spellings("Lê Mỹ Châầu").as_deref(),
            Some("Lê Mỹ Châu")
        );
        // "Đứnh" and "Đữnh" are no common name: the name was misread.
        assert_eq!(common_spellings("Đứữnh Quỳnh Ly"), None);
        // The same vowel twice, once with its tone.
        assert_eq!(
            common_spellings("Võ Ngọc Luụa").as_deref(),
            Some("Võ Ngọc Lụa")
        );
        assert_eq!(common_spellings("Hồ Quốc Pảán"), None);
        // "ưu" and "uô" are no letter read twice.
        assert_eq!(
            common_spellings("Lưu Quốc Tuấn").as_deref(),
            Some("Lưu Quốc Tuấn")
        );
        assert!(is_ong_read_twice("ÔÊNG"));
        assert!(!is_ong_read_twice("ÔNG") && !is_ong_read_twice("Hồng"));
    }

    #[test]
    fn two_name_words_run_together_are_parted_where_one_cut_fits() {
        assert_eq!(
            common_spellings("Nguyễn Anhvinh").as_deref(),
            Some("Nguyễn Anh Vinh")
        );
        // One syllable ("Thuận" is "Thu" + "ận" by letters) is never cut;
        // nor is a word no cut parts into two common ones.
        for name in ["Lê Văn Thuận", "Lò Văn Pangxyz"] {
            assert_eq!(common_spellings(name).as_deref(), Some(name), "{name}");
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

    #[test]
    fn a_name_word_spelled_as_no_syllable_is_refused_and_other_peoples_names_are_not_judged() {
        for w in SURNAMES.iter().chain(NAME_WORDS).chain(&MIDDLE_NAMES) {
            assert!(well_spelled(w), "{w}");
        }
        for w in [
            "Quốc", "Giang", "Gìn", "Huỳnh", "Nguyễn", "Khuê", "Oanh", "Uyên", "Ngạt",
        ] {
            assert!(well_spelled(w), "{w}");
        }
        // Other peoples' names, and words without Vietnamese marks.
        for w in ["Kpă", "Niê", "Hđơk", "Ksor", "Thiyvy"] {
            assert!(well_spelled(w), "{w}");
        }
        for w in ["Ngýn", "Thịyvy", "Vă", "Đat", "Tâ", "Nguyêñn"] {
            assert!(!well_spelled(w), "{w}");
        }
        assert_eq!(common_spellings("Đọn Phương Ngýn"), None);
        assert_eq!(common_spellings("Phạm Vă"), None);
        assert_eq!(
            common_spellings("Y Moan Kpă").as_deref(),
            Some("Y Moan Kpă")
        );
    }
}
