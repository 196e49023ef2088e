//! The machine-readable zone on the back of a chip citizen card (CCCD
//! from 2021, thẻ căn cước from 2024): ICAO 9303's TD1 format, three lines
//! of 30 characters in OCR-B.
//!
//! ```text
//! IDVNM0790025123001079002512<<3     document no. (the ID's last 9 digits),
//! 7901158M4401155VNM<<<<<<<<<<<6     its check digit, the 12-digit ID;
//! NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<     birth date, check digit, sex, expiry…
//! ```
//!
//! Each field carries a check digit, so what OCR reads here is either
//! provably right or thrown away: the ID number and the birth date read
//! from the zone outrank the printed labels, whose small print OCR often
//! garbles. The name line has no diacritics: it confirms a printed name,
//! it never stands for one.
//!
//! OCR misreads OCR-B in known ways (O for 0, I or l for 1, « for <,
//! spaces inside a line); digits are read through those confusions, and
//! the check digits decide.

use regex::Regex;
use std::sync::LazyLock;

/// What a card's machine-readable zone proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardZone {
    /// The 12-digit citizen number.
    pub id_number: String,
    /// The birth date as dd/mm/yyyy, when line 2 was read and checks.
    pub date_of_birth: Option<String>,
    /// The name line's words, upper-case ASCII ("NGUYEN VAN AN"), when read.
    pub name: Option<String>,
    /// The name line's words with the digits OCR read in it guessed back
    /// as letters ("QU0C" → "QUOC"): good to pick the printed name it
    /// spells, never to deny one.
    pub name_guess: Option<String>,
    /// Index of the line (in what [`find`] was given) that carried the ID.
    pub line: usize,
}

/// Line 1 starts with the document code "ID" and the issuing state (OCR
/// reads I as T or 1, M as H); the optional data field after the document
/// number and its check digit holds the 12-digit ID, ended by a filler.
static LINE1: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[IT1l][D0O]VN[MH](.*)").expect("regex"));
/// The ID in line 1 with the check digit before it (which is the document
/// number's, and the document number is the ID's last nine digits).
static LINE1_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([0-9OQDIlSBZG])([0-9OQDIlSBZG]{12})<").expect("regex"));
/// Line 2: birth date, check, sex (M read as H), expiry, check,
/// nationality (its last letter is not needed: the birth date's own check
/// digit and the ID decide).
static LINE2: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([0-9OQDIlSBZG]{6})([0-9OQDIlSBZG])[MFH<]([0-9OQDIlSBZG<]{6})([0-9OQDIlSBZG<])VN")
        .expect("regex")
});
/// Line 3: surname, `<<`, given names joined by `<`.
static LINE3: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Z]+(?:<[A-Z]+)*)<<([A-Z]+(?:<[A-Z]+)*)<*$").expect("regex"));

/// The character OCR most likely meant in a field of digits.
fn digit(c: char) -> char {
    match c {
        'O' | 'Q' | 'D' => '0',
        'I' | 'l' => '1',
        'Z' => '2',
        'S' => '5',
        'G' => '6',
        'B' => '8',
        c => c,
    }
}

fn digits(s: &str) -> String {
    s.chars().map(digit).collect()
}

/// The letters OCR most likely meant in a field of letters ([`digit`]'s
/// confusions the other way round).
fn letters(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0' => 'O',
            '1' => 'I',
            '2' => 'Z',
            '5' => 'S',
            '6' => 'G',
            '8' => 'B',
            c => c,
        })
        .collect()
}

/// ICAO 9303 check digit: weights 7, 3, 1; digits count as themselves,
/// letters A-Z as 10-35, the filler `<` as 0.
pub fn check_digit(field: &str) -> char {
    let sum: u32 = field
        .chars()
        .zip([7, 3, 1].into_iter().cycle())
        .map(|(c, w)| {
            let v = match c {
                '0'..='9' => c as u32 - '0' as u32,
                'A'..='Z' => c as u32 - 'A' as u32 + 10,
                _ => 0,
            };
            v * w
        })
        .sum();
    char::from_digit(sum % 10, 10).unwrap_or('0')
}

/// A line as the zone prints it: no spaces, `<` for what OCR reads as a
/// chevron-like mark.
fn squeeze(line: &str) -> String {
    line.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '«' | '‹' | '(' | '{' | '[' => '<',
            c => c,
        })
        .collect()
}

/// Find a card's zone among a document's lines (in reading order). The ID
/// is given only when the document number's check digit holds for the
/// ID's last nine digits (the document number); the birth date only when its check digit
/// holds and its two-digit year agrees with the ID's century and year
/// digits.
pub fn find(lines: &[&str]) -> Option<CardZone> {
    let squeezed: Vec<String> = lines.iter().map(|l| squeeze(l)).collect();
    let (line, id_number) = squeezed
        .iter()
        .enumerate()
        .find_map(|(i, l)| line1_id(l).map(|id| (i, id)))?;
    let next = &squeezed[line + 1..squeezed.len().min(line + 4)];
    let date_of_birth = next
        .iter()
        .find_map(|l| LINE2.captures(l).and_then(|c| birth_date(&c, &id_number)));
    let read = next.iter().filter(|l| !LINE2.is_match(l)).find_map(|l| {
        let l = l.trim_end_matches(|c: char| c != '<' && !c.is_ascii_uppercase());
        // Line 3 holds letters and fillers only: a digit inside it is a
        // letter OCR misread ("QU0C" for "QUOC"), guessed back.
        let mapped = letters(l);
        let c = LINE3.captures(&mapped)?;
        let words = |s: &str| s.split('<').collect::<Vec<_>>().join(" ");
        Some((format!("{} {}", words(&c[1]), words(&c[2])), mapped != l))
    });
    let (name, name_guess) = match read {
        Some((name, false)) => (Some(name), None),
        Some((guess, true)) => (None, Some(guess)),
        None => (None, None),
    };
    Some(CardZone {
        id_number,
        date_of_birth,
        name,
        name_guess,
        line,
    })
}

/// The ID that line 1 carries, when the check digit before it holds for
/// its last nine digits (the document number, which OCR may garble where
/// it stands first: it is not read from there).
fn line1_id(line: &str) -> Option<String> {
    let rest = &LINE1.captures(line)?[1];
    LINE1_ID
        .captures_iter(rest)
        .find_map(|c| {
            let (check, id) = (digit(c[1].chars().next()?), digits(&c[2]));
            (id.chars().all(|c| c.is_ascii_digit()) && check_digit(&id[3..]) == check).then_some(id)
        })
        .or_else(|| by_document_number(rest))
}

/// The document number, its check digit and the ID, as line 1 prints them
/// after the issuing state; OCR may put a stray mark or two between the
/// check digit and the ID.
static LINE1_DOC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([0-9OQDIlSBZG]{9})([0-9OQDIlSBZG])(.{0,2}?)([0-9OQDIlSBZG]{12})<")
        .expect("regex")
});

/// Where the check digit before the ID does not hold, the ID from the
/// document number, whose own check digit holds: the two are one number
/// printed twice. When OCR misread one digit of the ID's last nine
/// (they differ in one place only), the ID is its first three digits (the
/// province, which no check covers, here or above) and the number. When
/// OCR put a stray character between the check digit and the ID ("…0294
/// 1 048071667029<<"), the ID stands only if its last nine digits are the
/// number exactly: the stray has already cost the line its alignment.
fn by_document_number(rest: &str) -> Option<String> {
    let c = LINE1_DOC.captures(rest)?;
    let (doc, check, id) = (digits(&c[1]), digit(c[2].chars().next()?), digits(&c[4]));
    let stray = !c[3].is_empty();
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let differ = doc
        .chars()
        .zip(id[3..].chars())
        .filter(|(a, b)| a != b)
        .count();
    let agree = if stray { differ == 0 } else { differ == 1 };
    (all_digits(&doc) && all_digits(&id) && check_digit(&doc) == check && agree)
        .then(|| format!("{}{doc}", &id[..3]))
}

/// The birth date of line 2 as dd/mm/yyyy, when its check digit holds and
/// its year agrees with the ID (century digit 0-1: 1900s, 2-3: 2000s;
/// then the year's last two digits).
fn birth_date(c: &regex::Captures, id_number: &str) -> Option<String> {
    let (yymmdd, check) = (digits(&c[1]), digit(c[2].chars().next()?));
    if check_digit(&yymmdd) != check || yymmdd[..2] != id_number[4..6] {
        return None;
    }
    let century = match id_number.as_bytes()[3] {
        b'0' | b'1' => "19",
        b'2' | b'3' => "20",
        _ => return None,
    };
    let (y, m, d) = (&yymmdd[..2], &yymmdd[2..4], &yymmdd[4..6]);
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    let year: i32 = format!("{century}{y}").parse().ok()?;
    time::Date::from_calendar_date(year, month, d.parse().ok()?).ok()?;
    Some(format!("{d}/{m}/{year}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zone made the way the card prints it, check digits included.
    fn zone(id: &str, dob: &str, name: &str) -> Vec<String> {
        let l1 = format!("IDVNM{}{}{}<<", &id[3..], check_digit(&id[3..]), id);
        let l1 = format!("{l1}{}", check_digit(&l1));
        let l2 = format!(
            "{dob}{}M300101{}VNM",
            check_digit(dob),
            check_digit("300101")
        );
        vec![
            format!("{l1:<<30}"),
            format!("{l2:<<29}0"),
            format!("{name:<<30}"),
        ]
    }

    #[test]
    fn check_digits_follow_icao_9303() {
        // ICAO 9303 part 3's worked example: 520727 → 3.
        assert_eq!(check_digit("520727"), '3');
        assert_eq!(check_digit("L898902C3"), '6');
    }

    #[test]
    fn a_clean_zone_gives_id_birth_date_and_name() {
        let z = zone("079200512300", "000115", "NGUYEN<<VAN<AN");
        let lines: Vec<&str> = z.iter().map(String::as_str).collect();
        let found = find(&lines).expect("zone");
        assert_eq!(found.id_number, "079200512300");
        assert_eq!(found.date_of_birth.as_deref(), Some("15/01/2000"));
        assert_eq!(found.name.as_deref(), Some("NGUYEN VAN AN"));
    }

    #[test]
    fn ocr_confusions_are_read_through_and_spaces_ignored() {
        let z = zone("040187031643", "870119", "NGUYEN<<MY<LY");
        let garbled: Vec<String> = z
            .iter()
            .map(|l| {
                l.replacen('0', "O", 2)
                    .replacen("<<", "« <", 1)
                    .replacen('1', "l", 1)
            })
            .collect();
        let lines: Vec<&str> = garbled.iter().map(String::as_str).collect();
        let found = find(&lines).expect("zone");
        assert_eq!(found.id_number, "040187031643");
        assert_eq!(found.date_of_birth.as_deref(), Some("19/01/1987"));
        // A digit read for a letter of the name line.
        let z = zone("031091553234", "910324", "TANG<<QU0C<XUAN<KHANH");
        let lines: Vec<&str> = z.iter().map(String::as_str).collect();
        let found = find(&lines).expect("zone");
        assert_eq!(found.name, None);
        assert_eq!(found.name_guess.as_deref(), Some("TANG QUOC XUAN KHANH"));
        // A stray digit after the line is no letter.
        let z = zone("031091553234", "910324", "TANG<<QUOC<XUAN<KHANH");
        let mut lines: Vec<String> = z.clone();
        lines[2].push_str(" 1");
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let found = find(&lines).expect("zone");
        assert_eq!(found.name.as_deref(), Some("TANG QUOC XUAN KHANH"));
    }

    #[test]
    fn a_digit_misread_as_another_fails_its_check_and_gives_nothing() {
        let z = zone("040187031643", "870119", "NGUYEN<<MY<LY");
        // 3 read as 8 in the ID: the check digit catches it, and the
        // document number, whose check holds, gives the ID.
        let bad_id = z[0].replacen("040187031643", "040187081643", 1);
        let found = find(&[&bad_id, &z[1], &z[2]]).expect("zone");
        assert_eq!(found.id_number, "040187031643");
        // Misread in the document number too: nothing.
        let both = bad_id.replacen("IDVNM187031643", "IDVNM187081643", 1);
        assert!(find(&[&both, &z[1], &z[2]]).is_none());
        // The ID two digits off the document number: nothing.
        let apart = z[0].replacen("040187031643", "040187081673", 1);
        assert!(find(&[&apart, &z[1], &z[2]]).is_none());
        // A stray stroke after the document code, as OCR reads one
        // ("I1DVNM…"), with a digit of the ID misread.
        let stray = bad_id.replacen("IDVNM", "I1DVNM", 1);
        let found = find(&[&stray, &z[1], &z[2]]).expect("zone");
        assert_eq!(found.id_number, "040187031643");
        // The document number garbled where it stands first, as OCR does:
        // the ID is read after it, held by its check digit.
        let garbled = z[0].replacen("IDVNM187031643", "TDVNH182703163", 1);
        let found = find(&[&garbled, &z[1], &z[2]]).expect("zone");
        assert_eq!(found.id_number, "040187031643");
        // 9 read as 8 in the birth date: the ID stays, the date goes.
        let bad_dob = z[1].replacen("870119", "870118", 1);
        let found = find(&[&z[0], &bad_dob, &z[2]]).expect("zone");
        assert_eq!(found.date_of_birth, None);
    }

    #[test]
    fn a_stray_before_the_id_and_a_misread_sex_and_nationality_are_read_through() {
        // As tune22 batch_031's card read: "…0294 1 048071667029<<3", then
        // "…065H131010…VNE": the M of the sex and of "VNM" read as H and E.
        let z = zone("048071667029", "710106", "PHAM<<GIA<DINH");
        let stray = z[0].replacen("0294048071667029", "02941048071667029", 1);
        let line2 = z[1]
            .replacen("M300101", "H300101", 1)
            .replacen("VNM", "VNE", 1);
        let found = find(&[&stray, &line2, &z[2]]).expect("zone");
        assert_eq!(found.id_number, "048071667029");
        assert_eq!(found.date_of_birth.as_deref(), Some("06/01/1971"));
        // With a stray, the ID's last nine digits must be the document
        // number exactly: one digit off, nothing.
        let off = stray.replacen("1048071667029", "1048071667028", 1);
        assert!(find(&[&off, &line2, &z[2]]).is_none());
    }

    #[test]
    fn a_birth_year_that_disagrees_with_the_id_is_not_given() {
        // The ID says born in 1987; a line 2 that checks but says 1988.
        let z = zone("040187031643", "880119", "NGUYEN<<MY<LY");
        assert_eq!(find(&[&z[0], &z[1]]).expect("zone").date_of_birth, None);
    }
}
