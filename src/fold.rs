//! Folding: the one way text is made comparable for matching headings,
//! labels and separator sheets across OCR's and writers' variations of
//! case, diacritics and punctuation ("GIẤY ỦY QUYỀN" and "giay uy quyen"
//! fold alike).

use unicode_normalization::UnicodeNormalization;

/// Fold text for matching: strip diacritics (đ → d), upper-case, keep
/// letters, digits and single spaces. The spacing modifier letters
/// (U+02B0-U+02FF: "ˆ", "ˇ", "ʼ"), diacritics standing alone that OCR reads
/// from specks, are no letters here: they part words like punctuation.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.nfd() {
        if ('\u{300}'..='\u{36f}').contains(&c) {
            continue;
        }
        let c = if ('\u{2b0}'..='\u{2ff}').contains(&c) {
            ' '
        } else {
            c
        };
        let c = match c {
            'đ' | 'Đ' => 'D',
            c => c,
        };
        if c.is_alphanumeric() {
            out.extend(c.to_uppercase());
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    out.trim_end().to_string()
}

/// [`fold`] in lower case: the form the search index stores and every
/// search query is turned into (`index`), so "Nguyễn Văn Đức", "nguyen van
/// duc" and "NGUYEN VAN ĐUC" all become `nguyen van duc`. The text is put
/// in NFC first, as typed and OCR'd Vietnamese comes both composed and
/// decomposed; no other rule is added here, so the index and the query
/// cannot drift apart from the matching the pipeline does.
pub fn fold_lower(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    fold(&nfc).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_strips_diacritics_and_punctuation() {
        assert_eq!(fold("GIẤY ỦY QUYỀN"), "GIAY UY QUYEN");
        assert_eq!(fold("Đơn đề nghị, cấp-đổi"), "DON DE NGHI CAP DOI");
    }

    #[test]
    fn a_modifier_letter_read_from_a_speck_is_no_letter() {
        // "ˆˆ_1.1. Tên": the circumflexes are specks before a numbered label.
        assert_eq!(
            fold("ˆˆ_1.1. Tên (viết chữ in hoa)"),
            "1 1 TEN VIET CHU IN HOA"
        );
        assert_eq!(fold("Aˇb"), "A B");
    }

    #[test]
    fn a_name_folds_alike_however_it_is_typed() {
        let want = "nguyen van duc";
        assert_eq!(fold_lower("Nguyễn Văn Đức"), want);
        assert_eq!(fold_lower("nguyen van duc"), want);
        assert_eq!(fold_lower("NGUYEN VAN ĐUC"), want);
        // Decomposed input (combining marks typed separately).
        assert_eq!(
            fold_lower("Nguye\u{302}\u{303}n Va\u{306}n \u{110}u\u{31b}\u{301}c"),
            want
        );
    }
}
