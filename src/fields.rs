//! Key fields: the document's main person (the holder, the child, the
//! subject of the request), read off its labels and checked by their own
//! rules, each with where it came from.
//!
//! A wrong field is worse than none: search and the officers' page rest
//! on them. So a value is taken only after a label that names it, within
//! the main person's part of the document, and dropped when it breaks its
//! rules:
//!
//! - **full_name**: after an unqualified name label ("Họ, chữ đệm, tên:",
//!   "Họ và tên / Full name:", "Tên (viết chữ in hoa):", "Ông:"), else
//!   after the label of the requester ("… người yêu cầu:"), never after
//!   another person's ("… người mẹ:"); two to five capitalised words,
//!   stopping at the next column.
//! - **id_number**: the first 12-digit number in the main person's part
//!   (from their name label, or from the top when it is the first, to the
//!   next person's name label), that is a citizen
//!   number: a province code of the 63 provinces, a century-and-sex digit 0-3, and,
//!   when the birth date is known, the birth year's last two digits.
//! - **date_of_birth**: the first real date (1900 to today) after a birth
//!   label in the main person's part, as dd/mm/yyyy.
//!
//! A form that prints two people side by side (a marriage declaration's
//! "Bên nữ | Bên nam") has two dates on its birth row: whose is whose is
//! told only by the batch's applicant (the name on its intake receipt,
//! else the person the batch's other documents are about), whose column
//! gives all three fields. Without an applicant found in one of the
//! columns, such a form gives none.

use crate::fold::fold;
use crate::mrz;
use crate::ocr::{COLUMN_BREAK, Line, PageText};
pub use crate::record::FieldSource;
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// A document's key fields and their sources.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields {
    pub values: BTreeMap<String, String>,
    pub sources: BTreeMap<String, FieldSource>,
    /// Readings the rules cannot vouch for, never given on their own.
    pub unsure: Vec<Unsure>,
}

/// A value read where its rules cannot vouch for it: a number of the main
/// person's with a digit too many, too few or misread ("0741 75-141077",
/// "0921671607590"), or a card's number and name with no label and no
/// birth date beside them. [`crate::people`] gives such a document the
/// number the batch's other documents read of a person within one digit
/// of it, and only when this document names that person too.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsure {
    /// `id_number` or `full_name`.
    pub field: &'static str,
    /// The digits as read (separators left out), or the name title-cased.
    pub value: String,
    pub source: FieldSource,
}

impl Fields {
    fn put(&mut self, name: &str, value: String, source: FieldSource) {
        self.values.insert(name.to_string(), value);
        self.sources.insert(name.to_string(), source);
    }

    /// Add what an ID card's QR code carries, which is read exactly and
    /// outranks the printed text.
    pub fn add_card(&mut self, card: &BTreeMap<String, String>, page: u32) {
        for (k, v) in card {
            self.put(
                k,
                v.clone(),
                FieldSource {
                    method: "id_card_qr".into(),
                    page,
                    label: None,
                    line: None,
                },
            );
        }
    }
}

/// Name labels (folded) after which the main person's name stands.
const NAME_LABELS: [&str; 14] = [
    "HO CHU DEM VA TEN",
    "NGUOI NOP HO SO",
    "NGUOI NOP",
    "HO CHU DEM TEN",
    "HO VA TEN",
    "HO TEN",
    "TEN TOI LA",
    "TOI LA",
    "TEN VIET CHU IN HOA",
    "TIEP NHAN HO SO CUA",
    "TEN CHU DAU TU",
    "TEN CHU HO",
    "ONG",
    "BA",
];

/// Words after a name label that make it the requester's: taken when the
/// document has no unqualified name label.
const REQUESTER: [&str; 4] = [
    "NGUOI YEU CAU",
    "NGUOI LAM DON",
    "NGUOI KHAI",
    "NGUOI DE NGHI",
];

/// Words after a name label that still name the main person ("Họ và
/// tên / Full name", "Họ, chữ đệm và tên khai sinh", "Họ tên chủ hộ");
/// any other words make it another person's ("… chồng", "… người mẹ").
const PLAIN: [&str; 7] = [
    "FULL NAME",
    "NGUOI NOP",
    "KHAI SINH",
    "CHU HO",
    "TEN CHU HO",
    "VIET CHU IN HOA",
    "GHI HO TEN",
];

const BIRTH_LABELS: [&str; 5] = [
    "NGAY THANG NAM SINH",
    "NGAY SINH",
    "SINH NGAY",
    "DATE OF BIRTH",
    "NAM SINH",
];

/// The long birth labels, matched with a letter misread too.
const LONG_BIRTH_LABELS: [&str; 2] = ["NGAY THANG NAM SINH", "DATE OF BIRTH"];

/// How alike (normalised Levenshtein, folded, from a word's start) a long
/// birth label must read: one letter in ten misread ("năm sin‡"). The
/// card's other dates stand after labels further off ("Ngày, tháng, năm
/// cấp", "Place of birth").
const BIRTH_LABEL_MATCH: f32 = 0.9;

/// Does a folded line hold a birth label? Spaces do not count: OCR joins
/// words of a table's cell ("Ngày, tháng nămsinh"); a long label may have
/// a letter misread.
fn has_birth_label(folded: &str) -> bool {
    let squeezed: String = folded.chars().filter(|c| *c != ' ').collect();
    BIRTH_LABELS
        .iter()
        .any(|b| squeezed.contains(&b.replace(' ', "")))
        || LONG_BIRTH_LABELS
            .iter()
            .any(|b| crate::classify::contains_similarity(folded, b) >= BIRTH_LABEL_MATCH)
}

/// How alike (normalised Levenshtein, folded) a printed name and the
/// card zone's must be for the printed one to stand when neither spells
/// the other exactly.
const ZONE_NAME_MATCH: f64 = 0.85;

/// Twelve digits, or twelve with single spaces OCR put between them
/// ("0381901 10785"), standing apart from other digits.
static ID_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^\d ])\s*(\d(?: ?\d){11})(?:[^\d]|$)").expect("regex"));
/// A date as day, month and year, a slash OCR may read as a dot or a
/// dash, and the second also as a colon ("30/11:1983"; "10:11:1983" is
/// not taken); a month between its separators may be split by a space
/// ("06/1 1/1989": OCR reads a narrow "11" as two ones).
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d{1,2})\s*[/.-]\s*(\d ?\d|\d)\s*[/.:-]\s*(\d{4})").expect("regex")
});

/// A date of two-digit day and month whose separators OCR lost or read
/// as spaces, one or both ("Sinh ngày: 1501/1975", "27102016",
/// "15 03 1953"): eight digits standing apart.
static SQUEEZED_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d/.:-])(\d{2})[/. -]?(\d{2})[/.: -]?(\d{4})(?:[^\d/.:-]|$)")
        .expect("regex")
});

/// What a line's start says: a name label, qualified or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameLabel {
    /// The name label alone: this person is the document's subject.
    Plain(&'static str),
    /// The requester's name label.
    Requester(&'static str),
    /// Another person's (mother, father, witness, spouse…).
    Other,
}

/// The name label a line starts with (after numbering such as "1.1." or
/// "- "), and what follows it up to the colon.
fn name_label(folded: &str) -> Option<NameLabel> {
    let mut body = folded.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ' || c == 'I');
    // A speck OCR read as a letter before the label ("â Họ, chữ đệm và tên").
    while let Some((first, rest)) = body.split_once(' ')
        && first.chars().count() == 1
    {
        body = rest.trim_start();
    }
    // The receipt's "<office> tiếp nhận hồ sơ của:" ends with its label
    // (OCR often misreads or loses "tiếp" where it starts a line).
    let words: Vec<&str> = body.split(' ').collect();
    if body.ends_with("NHAN HO SO CUA")
        || (words.len() >= 4 && ends_receipt_label(&words[words.len() - 4..].join(" ")))
    {
        return Some(NameLabel::Plain("TIEP NHAN HO SO CUA"));
    }
    let label = NAME_LABELS
        .iter()
        .find(|l| body == **l || body.starts_with(&format!("{l} ")))
        .or_else(|| NAME_LABELS.iter().find(|l| misread_once(body, l)))?;
    let rest = body[label.len()..].trim();
    // The short, common words count only alone before the colon.
    if ["ONG", "BA"].contains(label) && !(rest.is_empty() || rest == "BA") {
        return None;
    }
    Some(
        if rest.is_empty() || PLAIN.iter().any(|p| plain_qualifier(rest, p)) {
            NameLabel::Plain(label)
        } else if REQUESTER.iter().any(|r| rest.starts_with(r)) {
            NameLabel::Requester(label)
        } else {
            NameLabel::Other
        },
    )
}

/// Does `body` start with the long name label `label` (twelve letters
/// or more: "HO CHU DEM TEN") with one letter misread ("Họ, chữ đện,,
/// tên:"), as a word of its own? A label read wrong is otherwise missed,
/// and the requester's name taken for the person the form is about.
fn misread_once(body: &str, label: &str) -> bool {
    label.len() >= 12
        && body
            .get(..label.len())
            .is_some_and(|head| strsim::hamming(head, label) == Ok(1))
        && body[label.len()..].chars().next().is_none_or(|c| c == ' ')
}

/// Does `rest` (what follows a name label) start with the plain
/// qualifier `p`: exactly; cut short by OCR at a word's end, when at
/// least a word of four letters is left ("Họ và tên / Full"); or with one
/// letter misread in a qualifier of eight letters or more ("tên khai
/// sinl/Full name"), two in one of nine or more ("Họ và tên Fuii name")?
fn plain_qualifier(rest: &str, p: &str) -> bool {
    if rest.starts_with(p) {
        return true;
    }
    if rest.len() >= 4 && p.starts_with(rest) && p[rest.len()..].starts_with(' ') {
        return true;
    }
    // Two letters misread in one of nine or more ("Fuii name").
    let misread = if p.len() >= 9 { 2 } else { 1 };
    p.len() >= 8
        && rest
            .get(..p.len())
            .is_some_and(|head| strsim::hamming(head, p).is_ok_and(|d| (1..=misread).contains(&d)))
        && rest[p.len()..].chars().next().is_none_or(|c| c == ' ')
}

/// One line of a document, with its page.
struct DocLine {
    page: u32,
    raw: String,
    folded_label: String,
}

impl DocLine {
    /// Does the line hold a label: words before a colon, or a name label
    /// standing alone (its colon lost or misread: "Họ và tên.", the name
    /// on the next line), or a card's bilingual one (its slash and colon
    /// lost: "Họ và tên Full name")?
    fn has_label(&self) -> bool {
        self.raw.contains(':')
            || NAME_LABELS[..NAME_LABELS.len() - 2].contains(&self.folded_label.as_str())
            // A card's bilingual label, its colon lost ("Họ, chữ đệm và
            // tên khai sinh/Full name").
            || ((self.raw.contains('/') || self.folded_label.ends_with(" NAME"))
                && name_label(&self.folded_label).is_some())
    }
}

/// The part of a line before its colon, folded (a label's words).
fn label_part(raw: &str) -> String {
    fold(raw.split(':').next().unwrap_or(raw))
}

/// Pull the main person's `full_name`, `id_number` and `date_of_birth`
/// out of a document's text, with their sources. `today` bounds dates;
/// `applicants` (the batch's, from its receipt, then whom its documents
/// are about), the first found in one of the columns, picks a column of a
/// form that prints two people side by side.
pub fn extract(pages: &[&PageText], today: time::Date, applicants: &[&str]) -> Fields {
    let mut raw_lines: Vec<(u32, String)> = pages
        .iter()
        .enumerate()
        .flat_map(|(p, t)| {
            t.rows()
                .into_iter()
                .map(move |l: Line| (p as u32 + 1, l.text_with_columns()))
        })
        .collect();
    mend_receipt_label(&mut raw_lines);
    for (_, raw) in raw_lines.iter_mut() {
        if let Some(mended) = mend_lost_colon(raw) {
            *raw = mended;
        }
    }
    let lines: Vec<DocLine> = raw_lines
        .into_iter()
        .map(|(page, raw)| DocLine {
            page,
            folded_label: label_part(&raw),
            raw,
        })
        .collect();
    let mut fields = match side_by_side(&lines, today, applicants) {
        Some(fields) => fields,
        None => labelled(before_attorney(&lines), today),
    };
    add_card_zone(&mut fields, &lines);
    fields
}

/// The lines before the heading of an attorney's part ("II. NGƯỜI ĐƯỢC ỦY
/// QUYỀN", "BÊN ĐƯỢC ỦY QUYỀN (Bên B):"): the person a name label there
/// names acts for the document's main person, and is never them (where
/// OCR lost the principal's label, "ng: VŨ HOÀNG SƠN", the attorney's
/// "Họ và tên:" is the first label left). All the lines when there is none.
fn before_attorney(lines: &[DocLine]) -> &[DocLine] {
    let heading = |l: &DocLine| {
        let folded = fold(&l.raw);
        let words: Vec<&str> = folded
            .split(' ')
            // Its number ("II.", "1H", "2."), as OCR reads it.
            .skip_while(|w| w.len() <= 3 && !matches!(*w, "BEN" | "NGUOI"))
            .collect();
        let text = words.join(" ");
        ["NGUOI DUOC UY QUYEN", "BEN DUOC UY QUYEN"]
            .iter()
            .any(|h| text.starts_with(h))
    };
    match lines.iter().position(heading) {
        Some(at) => &lines[..at],
        None => lines,
    }
}

/// The receipt's "<office> tiếp nhận hồ sơ của: <name>" as OCR breaks it:
/// "của" carried to the next line ("… tiếp nhận hồ sơ" / "của: Ông …"), or
/// its colon read as a full stop or a comma ("… hồ sơ của. Ba Dương
/// Khánh An"). Mended so that the label ends at its colon.
fn mend_receipt_label(lines: &mut Vec<(u32, String)>) {
    let mut i = 0;
    while i < lines.len() {
        let carried = lines.get(i + 1).is_some_and(|(page, next)| {
            *page == lines[i].0
                && fold(&lines[i].1).ends_with("NHAN HO SO")
                && fold(next).split(' ').next() == Some("CUA")
        });
        if carried {
            let (_, next) = lines.remove(i + 1);
            lines[i].1 = format!("{} {next}", lines[i].1);
        }
        let words: Vec<&str> = lines[i].1.split_whitespace().collect();
        let label_end = (3..words.len())
            .find(|&k| ends_receipt_label(&fold(&words[k - 3..=k].join(" "))))
            .filter(|&k| !words[k].ends_with(':'));
        if let Some(k) = label_end {
            let head = words[..=k].join(" ");
            let head = head.trim_end_matches(|c: char| !c.is_alphabetic());
            lines[i].1 = format!("{head}: {}", words[k + 1..].join(" "));
        }
        i += 1;
    }
}

/// Four folded words that end the receipt's "tiếp nhận hồ sơ của" label:
/// "NHAN HO SO CUA", one letter of "HO SO" misread or lost at most ("nhận
/// bô sơ của"; not "nhập hồ sơ của", not "nhận hồ sơ cũ").
fn ends_receipt_label(four_words: &str) -> bool {
    let Some(middle) = four_words
        .strip_prefix("NHAN ")
        .and_then(|w| w.strip_suffix(" CUA"))
    else {
        return false;
    };
    strsim::levenshtein(middle, "HO SO") <= 1
}

/// A name label of two words or more, the main person's (alone or with a
/// plain qualifier: "Họ tên người nộp"), whose colon OCR lost, followed by
/// nothing but a name of two to five capitalised words ("Hồ tén người nộp
/// Bùi Bích Lụa"): the line with its colon put back after the label.
fn mend_lost_colon(raw: &str) -> Option<String> {
    // Two columns side by side ("NGƯỜI NỘP HỒ SƠ | NGƯỜI TIẾP NHẬN HỒ SƠ",
    // a signature block's headings) are no label and its value.
    if raw.contains(':') || raw.contains(COLUMN_BREAK.trim()) {
        return None;
    }
    let words: Vec<&str> = raw.split_whitespace().collect();
    let is_label = |folded: &str| {
        NAME_LABELS.iter().filter(|l| l.contains(' ')).any(|l| {
            folded == *l
                || folded
                    .strip_prefix(&format!("{l} "))
                    .is_some_and(|rest| PLAIN.contains(&rest))
        })
    };
    // A label alone, a signature block's heading ("NGƯỜI NỘP HỒ SƠ"), is
    // not a shorter label and a name ("Người nộp: Hồ Sơ").
    if is_label(&fold(raw)) {
        return None;
    }
    let k = (2..words.len().min(8))
        .rev()
        .find(|&k| is_label(&fold(&words[..k].join(" "))))?;
    let rest = &words[k..];
    // A role ("Người tiếp nhận hồ sơ") is no name.
    if fold(rest[0]) == "NGUOI" {
        return None;
    }
    let name = clean_name(&rest.join(" "))?;
    (name.split(' ').count() == rest.len())
        .then(|| format!("{}: {}", words[..k].join(" "), rest.join(" ")))
}

/// The fields of a form that prints two people side by side: `None` when
/// the document is not such a form, empty fields when the applicant's
/// column cannot be told.
fn side_by_side(lines: &[DocLine], today: time::Date, applicants: &[&str]) -> Option<Fields> {
    // The name row stands just above the birth row.
    let column = |row: usize| {
        applicants.iter().find_map(|a| {
            let above = &lines[row.saturating_sub(3)..row];
            above
                .iter()
                .rev()
                .find_map(|l| applicant_column(&l.raw, a).map(|c| (l, c)))
                .or_else(|| stacked_names(above, a))
        })
    };
    let two_numbers = || {
        lines.iter().any(|l| citizen_numbers(&l.raw).len() == 2) || stacked_numbers(lines).is_some()
    };
    let by_dates = lines.iter().enumerate().find_map(|(i, l)| {
        let dates = birth_row(lines, i).then(|| date_pair(&l.raw, today))??;
        Some((i, Some(dates)))
    });
    // A birth row that holds two dates, not both real ("07/10/2001
    // 147/05/2000"), is a two-person form's still when the row of names
    // above it holds the applicant's name beside another's; its dates are
    // then not given. One date on the row: a form of one person, unless
    // the form prints two people's numbers side by side too (the other
    // date misread past reading: "Ì2U0/i973 .22/05/1983").
    let (row, dates) = by_dates.or_else(|| {
        (0..lines.len())
            .find(|&i| {
                birth_row(lines, i)
                    && (DATE.find_iter(&lines[i].raw).count() == 2 || two_numbers())
                    && column(i).is_some()
            })
            .map(|i| (i, None))
    })?;
    let mut fields = Fields::default();
    let Some((name_row, (column, name))) = column(row) else {
        return Some(fields);
    };
    let label = Some("applicant's column");
    fields.put("full_name", name, source(name_row, label));
    let year = dates.map(|dates| {
        let dob = dates[column].clone();
        let year = dob[6..].to_string();
        fields.put("date_of_birth", dob, source(&lines[row], label));
        year
    });
    let ids = lines
        .iter()
        .find_map(|l| {
            let n = citizen_numbers(&l.raw);
            (n.len() == 2).then_some((l, n))
        })
        .or_else(|| stacked_numbers(lines));
    if let Some((line, ids)) = ids
        && is_citizen_number(&ids[column], year.as_deref())
    {
        fields.put("id_number", ids[column].clone(), source(line, label));
    }
    Some(fields)
}

/// The applicant's name where OCR read the row of names as two lines, one
/// name each ("THÁI NGỌC VÂN" / "MAI CÔNG PHÚC"): the column is the
/// line's place in the pair, the left one first.
fn stacked_names<'a>(
    above: &'a [DocLine],
    applicant: &str,
) -> Option<(&'a DocLine, (usize, String))> {
    let want = fold(applicant);
    above.windows(2).find_map(|pair| {
        let names = [name_line(&pair[0].raw)?, name_line(&pair[1].raw)?];
        let column = names.iter().position(|n| fold(n) == want)?;
        let other = &names[1 - column];
        (fold(other) != want).then(|| (&pair[column], (column, names[column].clone())))
    })
}

/// Is line `i` a table's birth row: its label a birth label, or "Ngày,
/// tháng, năm" with the cell's last word, "sinh", wrapped onto the next
/// line ("Ngày, tháng, năm 05/08/1987 29/10/1988" / "sinh")?
fn birth_row(lines: &[DocLine], i: usize) -> bool {
    let folded = fold(&lines[i].raw);
    has_birth_label(&folded)
        || (folded.starts_with("NGAY THANG NAM ")
            && lines
                .get(i + 1)
                .is_some_and(|n| n.page == lines[i].page && fold(&n.raw) == "SINH"))
}

/// The two people's numbers where OCR read the row's two cells as two
/// lines, one number each ("CCCD số 0361…" / "CCCD số 0790…"): the first
/// two lines that hold a number, if they follow each other.
fn stacked_numbers(lines: &[DocLine]) -> Option<(&DocLine, Vec<String>)> {
    let i = lines
        .iter()
        .position(|l| citizen_numbers(&l.raw).len() == 1)?;
    let (a, b) = (
        citizen_numbers(&lines[i].raw),
        citizen_numbers(&lines.get(i + 1)?.raw),
    );
    (b.len() == 1 && a[0] != b[0]).then(|| (&lines[i], vec![a[0].clone(), b[0].clone()]))
}

/// Two different real dates side by side on a line (nothing but spaces or
/// a column break between them).
fn date_pair(raw: &str, today: time::Date) -> Option<[String; 2]> {
    let found: Vec<_> = DATE.captures_iter(raw).collect();
    let [a, b] = found.as_slice() else {
        return None;
    };
    let (ea, sb) = (a.get(0)?.end(), b.get(0)?.start());
    let between = raw[ea..sb].trim_matches(|c: char| c.is_whitespace() || c == '|');
    let (da, db) = (real_date(a, today)?, real_date(b, today)?);
    (between.is_empty() && da != db).then_some([da, db])
}

/// Which column of a row of two names (after its label) holds the
/// applicant's name, and that name as printed: the row's text starts or
/// ends with it.
fn applicant_column(raw: &str, applicant: &str) -> Option<(usize, String)> {
    let want = fold(applicant);
    let row = fold(raw);
    if want.split(' ').count() < 2 || !row.contains(&want) {
        return None;
    }
    let words = letter_words(raw);
    let n = want.split(' ').count();
    let at =
        (0..=words.len().saturating_sub(n)).find(|&i| fold(&words[i..i + n].join(" ")) == want)?;
    let name = crate::names::common_spellings(&title_case(&words[at..at + n].join(" ")))?;
    let capitalised = |w: &&str| w.chars().next().is_some_and(char::is_uppercase);
    let after = &words[at + n..];
    let before = words[..at]
        .iter()
        .rev()
        .take_while(|w| capitalised(w))
        .count();
    // The other person's name (two words at least) stands on the other side.
    if after.len() >= 2 && after.iter().all(capitalised) {
        Some((0, name))
    } else if after.is_empty() && before >= 2 {
        Some((1, name))
    } else {
        None
    }
}

/// The main person's fields read after their labels.
fn labelled(lines: &[DocLine], today: time::Date) -> Fields {
    let mut fields = Fields::default();
    let Some((start, label)) = main_person(lines) else {
        return unnamed(lines, today);
    };
    if let Some(name) = name_value(lines, start) {
        let source = source(&lines[start], Some(label));
        fields.put("full_name", name, source);
    }
    // The main person's part: from their name label (from the top when
    // theirs is the first name label, as on an ID card that prints the
    // number above the name) up to the next name label.
    let is_label = |l: &DocLine| l.has_label() && name_label(&l.folded_label).is_some();
    let end = (start + 1..lines.len())
        .find(|&i| is_label(&lines[i]))
        .unwrap_or(lines.len());
    let first = if lines[..start].iter().any(is_label) {
        start
    } else {
        0
    };
    let part = &lines[first..end];
    if let Some((i, dob, squeezed)) = birth_date(part, today) {
        // A date whose separators OCR lost stands only where the number
        // vouches for its year; without it, the number is read as if
        // there were no date.
        let year = &dob[6..];
        if !squeezed
            || part
                .iter()
                .any(|l| citizen_number(&l.raw, Some(year)).is_some())
        {
            fields.put("date_of_birth", dob.clone(), source(&part[i], None));
        }
    }
    let year = fields
        .values
        .get("date_of_birth")
        .map(|d| d[6..].to_string());
    if let Some(i) = part
        .iter()
        .position(|l| citizen_number(&l.raw, year.as_deref()).is_some())
    {
        let id = citizen_number(&part[i].raw, year.as_deref()).unwrap_or_default();
        fields.put("id_number", id, source(&part[i], None));
        // A name label with no name after it: the name as a card places it.
        if !fields.values.contains_key("full_name")
            && year.is_some()
            && let Some((k, name)) = name_after_number(lines, first + i)
        {
            fields.put("full_name", name, card_layout(&lines[k]));
        }
    } else if year.is_some() && part.iter().any(|l| citizen_number(&l.raw, None).is_some()) {
        // The person's number and birth date disagree on the year: one of
        // them is misread, and which one cannot be told. Give neither.
        fields.values.remove("date_of_birth");
        fields.sources.remove("date_of_birth");
    } else {
        fields.unsure.extend(unsure_numbers(part));
    }
    fields
}

/// Runs of digits (spaces, dots and dashes between them left out) that
/// are a digit or so from a citizen number's twelve: 11 to 13 digits.
static NUMBER_RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d[\d .\-]{9,22}\d").expect("regex"));

/// The numbers of `lines` that may be a citizen number misread
/// ([`Unsure`]).
fn unsure_numbers(lines: &[DocLine]) -> Vec<Unsure> {
    let mut out = Vec::new();
    for l in lines {
        for run in NUMBER_RUN.find_iter(&l.raw) {
            let digits: String = run.as_str().chars().filter(char::is_ascii_digit).collect();
            if (11..=13).contains(&digits.len()) {
                out.push(Unsure {
                    field: "id_number",
                    value: digits,
                    source: source(l, None),
                });
            }
        }
    }
    out
}

/// What a card's machine-readable zone proves outranks the labels: its ID
/// and birth date carry check digits. Its name has no diacritics, so it
/// only picks, among the document's lines, the printed name it spells.
fn add_card_zone(fields: &mut Fields, lines: &[DocLine]) {
    let raws: Vec<&str> = lines.iter().map(|l| l.raw.as_str()).collect();
    let Some(zone) = mrz::find(&raws) else { return };
    // The document number's check digit covers the ID's last nine digits
    // only, and OCR misreads can pass a check digit by chance (one in
    // ten): the whole ID must keep a citizen number's rules, and line 2's
    // birth date (its own check digit, and the same year digits), the
    // same number printed on the card, or the printed birth date read
    // off its label (the same century and year digits) must vouch for it.
    let printed = lines.iter().enumerate().any(|(i, l)| {
        i != zone.line && citizen_number(&l.raw, None).as_ref() == Some(&zone.id_number)
    });
    let labelled_year = fields
        .values
        .get("date_of_birth")
        .is_some_and(|dob| is_citizen_number(&zone.id_number, Some(&dob[6..])));
    let vouched = zone.date_of_birth.is_some() || printed || labelled_year;
    if !is_citizen_number(&zone.id_number, None) {
        return;
    }
    if !vouched {
        // The zone's number (its check digit holds) and the printed birth
        // date disagree on the year: one of them is misread, and which
        // one cannot be told. Give neither.
        if fields.values.contains_key("date_of_birth") {
            fields.values.remove("date_of_birth");
            fields.sources.remove("date_of_birth");
        }
        return;
    }
    let from_zone = |i: usize| FieldSource {
        method: "mrz".into(),
        page: lines[i].page,
        label: None,
        line: Some(lines[i].raw.clone()),
    };
    fields.put("id_number", zone.id_number.clone(), from_zone(zone.line));
    if let Some(dob) = zone.date_of_birth {
        fields.put("date_of_birth", dob, from_zone(zone.line + 1));
    }
    // A name line read with digits in it (guessed back as letters) may
    // pick the printed name it spells, but never denies one.
    let (spelled, sure) = match (zone.name, zone.name_guess) {
        (Some(name), _) => (name, true),
        (None, Some(guess)) => (guess, false),
        (None, None) => return,
    };
    let spells = |name: &String| fold(name) == spelled;
    if fields.values.get("full_name").is_some_and(spells) {
        return;
    }
    let printed = lines.iter().enumerate().find_map(|(i, l)| {
        let value = l.raw.split_once(':').map_or(l.raw.as_str(), |(_, v)| v);
        clean_name(value).filter(spells).map(|n| (i, n))
    });
    // OCR may misread a letter of the zone's name line (it has no check
    // digit): a printed name that spells nearly the same is kept.
    let close =
        |name: &String| strsim::normalized_levenshtein(&fold(name), &spelled) >= ZONE_NAME_MATCH;
    match printed {
        Some((i, name)) => {
            let mut source = from_zone(i);
            source.label = Some(spelled);
            fields.put("full_name", name, source);
        }
        None if fields.values.get("full_name").is_some_and(close) || !sure => {}
        // The printed name and the zone's disagree: give neither.
        None => {
            fields.values.remove("full_name");
            fields.sources.remove("full_name");
        }
    }
}

/// A document whose name label OCR did not read (or that has none): its
/// birth date after a birth label, and a citizen number only when that
/// date vouches for it (the number's century and year digits agree).
fn unnamed(lines: &[DocLine], today: time::Date) -> Fields {
    let mut fields = Fields::default();
    let Some((i, dob, squeezed)) = birth_date(lines, today) else {
        fields.unsure = unsure_card(lines);
        return fields;
    };
    let year = dob[6..].to_string();
    let Some((line, id)) = lines
        .iter()
        .find_map(|l| citizen_number(&l.raw, Some(&year)).map(|id| (l, id)))
    else {
        // A date whose separators OCR lost stands only where the number
        // vouches for it; and a date a number on the page denies (another
        // century or year) is not given: which of the two OCR misread
        // cannot be told.
        let denied = lines.iter().any(|l| citizen_number(&l.raw, None).is_some());
        if !squeezed && !denied {
            fields.put("date_of_birth", dob, source(&lines[i], None));
        }
        fields.unsure = unsure_card(lines);
        return fields;
    };
    fields.put("date_of_birth", dob, source(&lines[i], None));
    fields.put("id_number", id, source(line, None));
    if let Some((k, name)) = card_name(lines, i, &year) {
        fields.put("full_name", name, card_layout(&lines[k]));
    }
    fields
}

/// A card read with no name label and no birth date: its numbers and the
/// lines that hold nothing but a name ([`Unsure`]).
fn unsure_card(lines: &[DocLine]) -> Vec<Unsure> {
    let mut out = unsure_numbers(lines);
    out.extend(lines.iter().filter_map(|l| {
        name_line(&l.raw).map(|value| Unsure {
            field: "full_name",
            value,
            source: card_layout(l),
        })
    }));
    out
}

/// A line's words with what is not a letter trimmed from their ends
/// (words of no letter left out).
fn letter_words(raw: &str) -> Vec<&str> {
    raw.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphabetic()))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Lines a card prints between its number and its birth date: the name's
/// label and the name (a label OCR mangled past knowing, "Hạ, chữ đệm và
/// tần khai dhiyful name:", may stand between).
const CARD_NAME_SPAN: usize = 4;

/// On a card whose name label OCR did not read: the holder's name as the
/// card prints it, in capitals, on the one line between the line of the
/// citizen number (whose year agrees with the birth date's, `year`) and
/// that of the birth date (`dob_line`), within [`CARD_NAME_SPAN`] lines,
/// that holds nothing but a name ([`name_line`]). `None` when no such line
/// or more than one stands there.
fn card_name(lines: &[DocLine], dob_line: usize, year: &str) -> Option<(usize, String)> {
    let from = dob_line.saturating_sub(CARD_NAME_SPAN + 1);
    let number = (from..dob_line)
        .rev()
        .find(|&k| citizen_number(&lines[k].raw, Some(year)).is_some())?;
    let names: Vec<(usize, String)> = (number + 1..dob_line)
        .filter(|&k| lines[k].page == lines[dob_line].page)
        .filter_map(|k| name_line(&lines[k].raw).map(|n| (k, n)))
        .collect();
    match &names[..] {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// On a card whose name label OCR read with no name after it, having read
/// the card's values apart from their labels ("048187040699" / "TẠ BÍCH
/// HÀ" / … / "Họ, chữ đệm và tên khai sinh/Full name:"): the name on the
/// line just after line `number`, the main person's citizen number (its
/// year agreeing with the birth date's), where that number stands alone on
/// its line.
fn name_after_number(lines: &[DocLine], number: usize) -> Option<(usize, String)> {
    let digits: String = lines[number]
        .raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if digits.len() != 12 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let next = lines
        .get(number + 1)
        .filter(|n| n.page == lines[number].page)?;
    name_line(&next.raw).map(|n| (number + 1, n))
}

/// A line that holds nothing but a name in capitals, its first word a
/// common surname: with no label behind it, a heading in capitals ("CĂN
/// CƯỚC CÔNG DÂN") or a label without its colon ("NGÀY SINH") does not
/// pass.
fn name_line(raw: &str) -> Option<String> {
    if raw.contains(':') || raw.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let words = letter_words(raw);
    let capitals = words.len() >= 2 && words.iter().all(|w| all_capitals(w));
    let named = words.first().is_some_and(|w| crate::names::is_surname(w));
    let label = has_birth_label(&fold(raw));
    (capitals && named && !label)
        .then(|| clean_name(raw))
        .flatten()
}

/// The source of a name placed by a card's layout ([`card_name`]).
fn card_layout(line: &DocLine) -> FieldSource {
    FieldSource {
        method: "card_layout".into(),
        ..source(line, None)
    }
}

fn source(line: &DocLine, label: Option<&str>) -> FieldSource {
    FieldSource {
        method: "label".into(),
        page: line.page,
        label: label.map(str::to_string),
        line: Some(line.raw.clone()),
    }
}

/// The line of the main person's name label: the first plain one, else
/// the first requester's.
fn main_person(lines: &[DocLine]) -> Option<(usize, &'static str)> {
    let labelled = |want_plain: bool| {
        lines.iter().enumerate().find_map(|(i, l)| {
            if !l.has_label() {
                return None;
            }
            match name_label(&l.folded_label)? {
                NameLabel::Plain(lb) if want_plain => Some((i, lb)),
                NameLabel::Requester(lb) if !want_plain => Some((i, lb)),
                _ => None,
            }
        })
    };
    labelled(true).or_else(|| labelled(false))
}

/// The name after the label on line `i`: after its colon, else (nothing
/// there, or only specks) on the next line.
fn name_value(lines: &[DocLine], i: usize) -> Option<String> {
    let raw = &lines[i].raw;
    let after = raw
        .split_once(':')
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty());
    // The next line that holds a letter or digit (a line of specks, "~-",
    // between the label and the name is skipped).
    let next = lines[i + 1..]
        .iter()
        .take(2)
        .find(|n| n.raw.chars().any(char::is_alphanumeric))
        .filter(|n| n.page == lines[i].page);
    match after.and_then(clean_name) {
        // A name that ends its line may go on at the start of the next
        // ("… tiếp nhận hồ sơ của: Bà Kiều Kim Hoài" / "Yến").
        Some(name) => Some(
            next.filter(|n| {
                ends_with_name(after.unwrap_or_default(), &name) && is_name_rest(&n.raw)
            })
            .and_then(|n| clean_name(&format!("{name} {}", n.raw)))
            .filter(|joined| joined.split(' ').count() <= 4)
            .unwrap_or(name),
        ),
        // One word (the surname) ends the line, the rest of the name is
        // on the next ("… hồ sơ của: Bà Vũ" / "Tuyết Giang").
        None => next.and_then(|n| {
            after
                .filter(|a| is_name_rest(&n.raw) && is_name_rest(a))
                .and_then(|a| clean_name(&format!("{a} {}", n.raw)))
                .filter(|joined| joined.split(' ').count() <= 4)
                .or_else(|| clean_name(after_specks(&n.raw)))
        }),
    }
}

/// A line without the specks OCR read at its start, in a column of their
/// own ("` | TĂNG QUỐC PHONG").
fn after_specks(raw: &str) -> &str {
    let mut rest = raw;
    while let Some((first, after)) = rest.split_once(COLUMN_BREAK.trim())
        && !first.chars().any(char::is_alphanumeric)
    {
        rest = after;
    }
    rest
}

/// Does the line's value end with the name read from it (nothing after
/// the name's last word but punctuation)?
fn ends_with_name(value: &str, name: &str) -> bool {
    let last = |s: &str| {
        s.split_whitespace()
            .last()
            .map(|w| fold(w.trim_matches(|c: char| !c.is_alphabetic())))
    };
    last(value).is_some_and(|l| Some(l) == last(name))
}

/// A line that can only be the end of a name: one to three capitalised
/// words and nothing else but specks. (The joined name must still be one name of at
/// most four words in one case: "NGUYỄN VĂN AN" / "Việt Nam" stays apart.)
fn is_name_rest(raw: &str) -> bool {
    // Specks OCR read around the words ("Việt _") are not words.
    let words: Vec<&str> = raw
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    (1..=3).contains(&words.len())
        && words.iter().all(|w| {
            w.chars().all(char::is_alphabetic) && w.chars().next().is_some_and(char::is_uppercase)
        })
}

/// The first real birth date after a birth label in `part`, its line, and
/// whether it was read from eight digits whose separators OCR lost
/// ([`SQUEEZED_DATE`]: such a date stands only where a citizen number
/// vouches for its year).
fn birth_date(part: &[DocLine], today: time::Date) -> Option<(usize, String, bool)> {
    for (i, l) in part.iter().enumerate() {
        if !has_birth_label(&fold(&l.raw)) {
            continue;
        }
        let read = |j: usize, squeezed: bool| {
            let cand = part.get(j)?;
            let pattern: &Regex = if squeezed { &SQUEEZED_DATE } else { &DATE };
            pattern
                .captures(&cand.raw)
                .filter(|c| !after_a_digit(&cand.raw, c))
                // Squeezed: at least one separator lost (else DATE reads it).
                .filter(|c| !squeezed || c[0].matches(['/', '.', ':', '-']).count() < 2)
                .and_then(|c| real_date(&c, today))
                .map(|d| (j, d, squeezed))
        };
        // A whole date on the label's line or the next before a squeezed one.
        if let Some(found) = read(i, false)
            .or_else(|| read(i + 1, false))
            .or_else(|| read(i, true))
            .or_else(|| read(i + 1, true))
        {
            return Some(found);
        }
    }
    None
}

/// Does a digit stand just before the date (a space between): "1 1/10/1998"
/// is a day OCR split in two, not the 1st.
fn after_a_digit(raw: &str, c: &regex::Captures) -> bool {
    let start = c.get(0).map_or(0, |m| m.start());
    raw[..start]
        .trim_end()
        .chars()
        .last()
        .is_some_and(|ch| ch.is_ascii_digit())
}

/// A date read as day, month, year that exists, from 1900 to `today`.
fn real_date(c: &regex::Captures, today: time::Date) -> Option<String> {
    let month = c[2].replace(' ', "");
    let (d, m, y): (u8, u8, i32) = (c[1].parse().ok()?, month.parse().ok()?, c[3].parse().ok()?);
    let month = time::Month::try_from(m).ok()?;
    let date = time::Date::from_calendar_date(y, month, d).ok()?;
    (y >= 1900 && date <= today).then(|| format!("{d:02}/{m:02}/{y}"))
}

/// A 12-digit citizen number on the line that keeps its own rules
/// ([`is_citizen_number`]); none from a line of two people's numbers.
fn citizen_number(raw: &str, birth_year: Option<&str>) -> Option<String> {
    match citizen_numbers(raw).as_slice() {
        [one] if is_citizen_number(one, birth_year) => Some(one.clone()),
        _ => None,
    }
}

/// The different citizen numbers on a line, in order.
fn citizen_numbers(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in ID_NUMBER.captures_iter(raw).map(|c| c[1].replace(' ', "")) {
        if is_citizen_number(&n, None) && !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// The province codes a citizen number can start with: the 63 provinces'
/// codes of the administrative units list (Quyết định 124/2004/QĐ-TTg),
/// which the CCCD numbering uses (Thông tư 07/2016/TT-BCA, annex). The
/// provinces merged in 2025 kept codes from this list, and numbers
/// already given keep theirs. OCR misreading a code's digit (001 as 061)
/// mostly lands outside it.
const PROVINCE_CODES: [u16; 63] = [
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37,
    38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77,
    79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
];

/// The rules of a 12-digit citizen number (CCCD, Thông tư 59/2021/TT-BCA):
/// a province code ([`PROVINCE_CODES`]), a digit for century and sex (0-1:
/// born in the 1900s, 2-3: in the 2000s), then the birth year's last two
/// digits.
pub fn is_citizen_number(n: &str, birth_year: Option<&str>) -> bool {
    let b = n.as_bytes();
    if b.len() != 12 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let province: u16 = n[..3].parse().unwrap_or(0);
    let century = b[3] - b'0';
    if PROVINCE_CODES.binary_search(&province).is_err() || century > 3 {
        return false;
    }
    match birth_year {
        Some(y) if y.len() == 4 => {
            let wanted = if century <= 1 { "19" } else { "20" };
            y[..2] == *wanted && y[2..] == n[4..6]
        }
        _ => true,
    }
}

/// Keep the leading run of capitalised words (a Vietnamese name, 2-5
/// words) up to the next column, a comma, or a change between capitals
/// and small letters (the next column's text run into the line),
/// title-cased.
fn clean_name(v: &str) -> Option<String> {
    let v = v.split(COLUMN_BREAK.trim()).next().unwrap_or(v);
    let v = v.split(" / ").next().unwrap_or(v);
    let honorifics = ["ông", "bà", "ong", "ba", "anh", "chị"];
    // "Ôn;": "Ông" with its last letter read as a semicolon or a comma.
    let is_honorific = |w: &&str| {
        honorifics.contains(&w.trim_end_matches(':').to_lowercase().as_str())
            || ((w.ends_with(';') || w.ends_with(',')) && fold(w) == "ON")
            || crate::names::is_ong_read_twice(w.trim_end_matches(':'))
    };
    let mut rest = v
        .split_whitespace()
        // Specks OCR read before the name ("` TĂNG QUỐC PHONG", "6) NGÔ
        // ANH ĐỊNH" beside an ID card's photo): no letter in them. A list
        // number ("2.") is not a speck: what follows it is an item.
        .skip_while(|w| {
            let list_number = w.ends_with('.') && w.chars().any(|c| c.is_ascii_digit());
            !w.chars().any(char::is_alphabetic) && !list_number
        })
        .peekable();
    // One honorific ("Ông Ông Trọng Lực": the second is the surname).
    let title = rest.next_if(is_honorific);
    let mut words: Vec<&str> = Vec::new();
    for w in rest {
        let t = w.trim_matches(|c: char| !c.is_alphabetic());
        let capitalised = t.chars().next().is_some_and(char::is_uppercase);
        if t.is_empty() || !capitalised || !t.chars().all(char::is_alphabetic) {
            break;
        }
        if words
            .first()
            .is_some_and(|f| all_capitals(f) != all_capitals(t))
        {
            break;
        }
        words.push(t);
        if words.len() == 5 || w.ends_with(',') || w.ends_with(';') {
            break;
        }
    }
    // "Ông" is a surname too: before two words that do not start with a
    // common surname ("ÔNG THU ÁNH"), it is the name's first word. Before
    // three it is left out: surnames outside the common ones ("Ông La
    // Mạnh Bình") are as frequent as the surname "Ông".
    // Before three words that start with "Thị", a woman's middle name, it
    // is her surname: "Ông Thị Lan My" (no "Mr." goes before "Thị").
    let surname = crate::names::is_surname;
    let hers = words.len() == 3 && fold(words[0]) == "THI";
    if let Some(t) = title
        && (fold(t) == "ONG" || fold(t) == "ON")
        && ((words.len() == 2 && !surname(words[0])) || hers)
    {
        // The surname is "Ông" however OCR marked it ("Ong", "ÒNG").
        let upper = t.chars().skip(1).any(char::is_uppercase);
        words.insert(0, if upper { "ÔNG" } else { "Ông" });
    }
    (2..=5)
        .contains(&words.len())
        .then(|| crate::names::common_spellings(&title_case(&words.join(" "))))
        .flatten()
}

fn all_capitals(w: &str) -> bool {
    w.chars().count() > 1 && w.chars().all(char::is_uppercase)
}

/// Each word with a capital first letter and the rest small.
pub fn title_case(s: &str) -> String {
    s.split_whitespace()
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(c.flat_map(char::to_lowercase))
                    .collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(lines: &[&str]) -> PageText {
        PageText::of_lines(lines)
    }

    /// The fields read off one page, with no applicant.
    fn values(p: &PageText) -> BTreeMap<String, String> {
        extract(&[p], today(), &[]).values
    }

    fn today() -> time::Date {
        time::macros::date!(2026 - 12 - 03)
    }

    #[test]
    fn fields_from_labelled_lines_with_their_sources() {
        let p = page(&[
            "Họ, chữ đệm, tên: HÀ BÍCH HẬU",
            "Ngày, tháng, năm sinh: 09/12/1954",
            "Giấy tờ tùy thân: Căn cước công dân số 092154749736, cấp ngày 15/04/2021",
        ]);
        let f = extract(&[&p], today(), &[]);
        assert_eq!(f.values["full_name"], "Hà Bích Hậu");
        assert_eq!(f.values["date_of_birth"], "09/12/1954");
        assert_eq!(f.values["id_number"], "092154749736");
        assert_eq!(
            f.sources["full_name"].label.as_deref(),
            Some("HO CHU DEM TEN")
        );
        assert_eq!(f.sources["id_number"].page, 1);
        assert!(
            f.sources["date_of_birth"]
                .line
                .as_deref()
                .unwrap()
                .contains("1954")
        );
    }

    /// A long name label with one letter misread is still the subject's:
    /// else the requester's name above it is taken for the child's.
    #[test]
    fn a_subject_s_label_with_a_letter_misread_is_still_taken_before_the_requester() {
        let p = page(&[
            "Họ, chữ đệm, tên người yêu cầu: BÙI THANH MAI",
            "Quan hệ với người được khai sinh: Mẹ",
            "Họ, chữ đện,, tên: BÙI HOÀNG HẢI",
            "Ngày, tháng, năm sinh: 09/12/2019",
        ]);
        let f = values(&p);
        assert_eq!(f["full_name"], "Bùi Hoàng Hải");
        assert_eq!(f["date_of_birth"], "09/12/2019");
        // Short labels are not stretched: "Họ tên" misread is no label.
        assert_eq!(name_label("HO TEM"), None);
        assert_eq!(
            name_label("HO CHU DEM TEN NGUOI ME"),
            Some(NameLabel::Other)
        );
    }

    #[test]
    fn a_birth_label_with_a_letter_misread_still_labels_and_other_dates_do_not() {
        for (card, want) in [
            // seed5 batch_031: "sinh" with its last letter misread.
            (
                "Ngày, tháng, năm sin‡/Oate cf bàth: 27/11/2003",
                Some("27/11/2003"),
            ),
            ("Date of birt: 27/11/2003", Some("27/11/2003")),
            ("Ngày, tháng, năm cấp/Date of issue: 17/09/2024", None),
            ("Ngày, tháng, năm hết hạn/Date of expiry: 27/11/2028", None),
            ("Nơi đăng ký khai sinh/Place of birth: 12/05/2003", None),
        ] {
            let p = page(&[
                "Số định danh cá nhân: 056203602160",
                "Họ, chữ đệm và tên khai sinh/Full name: VƯƠNG THANH THUẬN",
                card,
            ]);
            let f = extract(&[&p], today(), &[]);
            assert_eq!(
                f.values.get("date_of_birth").map(String::as_str),
                want,
                "{card}"
            );
        }
    }

    #[test]
    fn the_subject_is_taken_before_the_requester_and_never_the_mother() {
        let p = page(&[
            "Họ, chữ đệm, tên người yêu cầu: TRẦN VĂN AN",
            "Số định danh cá nhân: 001080123456",
            "Họ, chữ đệm, tên: TRẦN MINH KHÔI",
            "Ngày, tháng, năm sinh: 02/03/2015",
            "Họ, chữ đệm, tên người mẹ: LÊ THỊ HOA",
            "Số định danh cá nhân: 001185654321",
        ]);
        let f = extract(&[&p], today(), &[]);
        assert_eq!(f.values["full_name"], "Trần Minh Khôi");
        assert_eq!(f.values["date_of_birth"], "02/03/2015");
        // The mother's number is in her part, the father's in his: none
        // is the child's.
        assert!(!f.values.contains_key("id_number"), "{:?}", f.values);
    }

    #[test]
    fn a_two_person_form_whose_birth_row_misreads_still_gives_the_applicants_column() {
        // tune22 batch_013: the birth label's words joined ("nămsinh").
        let joined = page(&[
            "Thông tin ` Bên nữ Bên nam",
            "Họ, chữ đệm, tên LÂM NGỌC HUỆ PHAN TIẾN NHÂN",
            "Ngày, tháng nămsinh |31/07/1988 25/08/1978",
            "Giấy tờ tùy thân , CCCD số 080188176760 CCCD số 001078814644",
        ]);
        let wife = extract(&[&joined], today(), &["Lâm Ngọc Huệ"]).values;
        assert_eq!(wife["full_name"], "Lâm Ngọc Huệ");
        assert_eq!(wife["date_of_birth"], "31/07/1988");
        assert_eq!(wife["id_number"], "080188176760");
        // tune22 batch_009: one of the two dates misread ("147/05/2000"),
        // the row's last word wrapped. The applicant's name and number
        // are still theirs; no date is given.
        let misread = page(&[
            "Thông tin Bên nữ . Bên nam",
            "Họ, chữ đệm,tên — [NGÔ MINH THỊ HIỄN ÔNG QUỐC HIẾU",
            "Ngày, tháng,năm |07/10/2001 147/05/2000",
            "sinh",
            "Giấy tờ tùy thân 1 CCCD số 010301206117 CCCT) số 096200530902",
        ]);
        let husband = extract(&[&misread], today(), &["Ông Quốc Hiếu"]).values;
        assert_eq!(husband["full_name"], "Ông Quốc Hiếu");
        assert_eq!(husband["id_number"], "096200530902");
        assert!(!husband.contains_key("date_of_birth"), "{husband:?}");
        // Without the applicant: nothing, as ever.
        assert!(extract(&[&misread], today(), &[]).values.is_empty());
        // A form of one person whose name row runs into capitals: its
        // birth row holds one date, and its own labels give the fields.
        let one = page(&[
            "Họ, chữ đệm, tên: ÔNG QUỐC HIẾU NAM KINH",
            "Ngày, tháng, năm sinh: 14/05/2000",
            "Số định danh cá nhân: 096200530902",
        ]);
        let fields = extract(&[&one], today(), &["Ông Quốc Hiếu"]).values;
        assert_eq!(fields["date_of_birth"], "14/05/2000");
        assert_eq!(fields["id_number"], "096200530902");
    }

    #[test]
    fn a_two_person_form_read_a_cell_a_line_still_gives_the_applicants_column() {
        // tune seed5 batch_030: the row of names read as two lines.
        let stacked = page(&[
            "Thông tin",
            "Bên nữ",
            "Bên nam",
            "Họ, chữ đệm, tên",
            "THÁI NGỌC VÂN",
            "MAI CÔNG PHÚC",
            "Ngày, tháng, năm sinh [04/12/1983 | 19/09/1978",
            "Dân tộc | Kinh | Khmer",
            "Giấy tờ tùy thân",
            "CCCD số 027183500266",
            "CCCD số 001078447771",
        ]);
        let wife = extract(&[&stacked], today(), &["Thái Ngọc Vân"]).values;
        assert_eq!(wife["full_name"], "Thái Ngọc Vân");
        assert_eq!(wife["date_of_birth"], "04/12/1983");
        assert_eq!(wife["id_number"], "027183500266");
        let husband = extract(&[&stacked], today(), &["Mai Công Phúc"]).values;
        assert_eq!(husband["date_of_birth"], "19/09/1978");
        assert_eq!(husband["id_number"], "001078447771");
        assert!(
            extract(&[&stacked], today(), &["Trần Văn Khác"])
                .values
                .is_empty()
        );
        // After tune seed5 batch_006: one of the birth row's dates misread
        // past reading; the numbers side by side still tell a form of two.
        let misread = page(&[
            "Thông tin Ỉ Bên nữ. Si | s Bên nam |",
            "'Họ, chữ đệm, tên s. ,LÒ HOÀI HUỆ - — | .BÙI HỮU XUÂN PHONG. ` |",
            "' Ngày, tháng, năm sinh s Ì2U0/i973 SỐ .22/05/1983",
            "'Giấy tời tờ tùy thân. _ .cc C D số 079173995060 c .CCCD số 048083295247 SỐ |",
        ]);
        let wife = extract(&[&misread], today(), &["Lò Hoài Huệ"]).values;
        assert_eq!(wife["full_name"], "Lò Hoài Huệ");
        assert_eq!(wife["id_number"], "079173995060");
        assert!(!wife.contains_key("date_of_birth"), "{wife:?}");
    }

    #[test]
    fn two_people_side_by_side_give_the_applicants_column_or_nothing() {
        let p = page(&[
            "Thông tin Bên nữ Bên nam",
            "Họ, chữ đệm, tên TÔ ÁNH BÍCH LƯƠNG TIẾN VĂN HIẾU",
            "Ngày, tháng, năm sinh |27/12/1991 | 04/11/1980",
            "Giấy tờ tùy thân |CCCD số 096191755343 |CCCD số 001080333351",
        ]);
        let husband = extract(&[&p], today(), &["Lương Tiến Văn Hiếu"]).values;
        assert_eq!(husband["full_name"], "Lương Tiến Văn Hiếu");
        assert_eq!(husband["date_of_birth"], "04/11/1980");
        assert_eq!(husband["id_number"], "001080333351");
        let wife = extract(&[&p], today(), &["Tô Ánh Bích"]).values;
        assert_eq!(wife["full_name"], "Tô Ánh Bích");
        assert_eq!(wife["date_of_birth"], "27/12/1991");
        assert_eq!(wife["id_number"], "096191755343");
        // Without the applicant, or with someone else, whose is whose
        // cannot be told: nothing is given.
        for applicants in [&[][..], &["Trần Văn Khác"]] {
            assert!(extract(&[&p], today(), applicants).values.is_empty());
        }
        // The applicants in the order they are tried: the receipt's (an
        // attorney, in neither column), then whom the batch is about.
        let husband = extract(&[&p], today(), &["Trần Văn Khác", "Lương Tiến Văn Hiếu"]);
        assert_eq!(husband.values["date_of_birth"], "04/11/1980");
        // The numbers' row read as two lines, one number each.
        let p = page(&[
            "Họ, chữ đệm, tên VŨ HOÀI HÀ NÔNG ĐỨC ĐẠT",
            "Ngày, tháng, năm sinh |08/05/1988 08/08/1988",
            "Giấy tờ tùy thân",
            "CCCD số 036188702018",
            "CCCD số 079088177574",
        ]);
        let wife = extract(&[&p], today(), &["Vũ Hoài Hà"]).values;
        assert_eq!(wife["id_number"], "036188702018");
        let husband = extract(&[&p], today(), &["Nông Đức Đạt"]).values;
        assert_eq!(husband["id_number"], "079088177574");
        // The birth row's label wrapped in its cell: "sinh" on a line of its own.
        let p = page(&[
            "Họ, chữ đệm, tên TẠ BÍCH HÀ ĐINH ANH HẢI",
            "Ngày, tháng, năm 05/08/1987 29/10/1988",
            "sinh",
            "Giấy tờ tùy thân CGCD số 048187040699 CCCD số 019088311889",
        ]);
        let wife = extract(&[&p], today(), &["Tạ Bích Hà"]).values;
        assert_eq!(wife["date_of_birth"], "05/08/1987");
        assert_eq!(wife["id_number"], "048187040699");
        // Any other word after "Ngày, tháng, năm" is no birth row (a
        // registration's date): nothing is given.
        let p = page(&[
            "Họ, chữ đệm, tên TẠ BÍCH HÀ ĐINH ANH HẢI",
            "Ngày, tháng, năm 05/08/1987 29/10/1988",
            "đăng ký",
            "Giấy tờ tùy thân CGCD số 048187040699 CCCD số 019088311889",
        ]);
        assert!(extract(&[&p], today(), &["Tạ Bích Hà"]).values.is_empty());
    }

    #[test]
    fn a_label_alone_on_its_line_and_specks_before_the_name() {
        let p = page(&[
            "SỐ: 022175803883",
            "Họ và tên.",
            "` | TĂNG MINH KIM ANH",
            "Ngày, tháng, năm sinh: 03/06/1975",
        ]);
        let f = values(&p);
        assert_eq!(f["full_name"], "Tăng Minh Kim Anh");
        assert_eq!(f["id_number"], "022175803883");
        // Words in a column after an empty label are another column's.
        let p = page(&["Họ và tên: | CỤC TRƯỞNG CỤC CẢNH SÁT", "LÊ NGỌC NHI"]);
        assert_eq!(values(&p)["full_name"], "Lê Ngọc Nhi");
        // OCR's lost "T" of a receipt's "Tiếp nhận", and "Bà" without its mark.
        let p = page(&["liếp nhận hỗ sơ của: Ba Lê Hồng Huệ"]);
        assert_eq!(values(&p)["full_name"], "Lê Hồng Huệ");
        let p = page(&["tiếp nhận hồ sơ của: Bà Vũ", "Tuyết Giang"]);
        assert_eq!(values(&p)["full_name"], "Vũ Tuyết Giang");
        // "Ông" is a title, and a surname too.
        for (line, name) in [
            ("Người nộp: Ông Nguyễn Văn An", "Nguyễn Văn An"),
            ("Người nộp: Ông Lê An", "Lê An"),
            ("Bà: ÔNG THU ÁNH | Sinh ngày: 04/01/1955", "Ông Thu Ánh"),
            // Its circumflex lost: the surname is still "Ông".
            ("Họ và tên: ONG ANH HƯNG", "Ông Anh Hưng"),
            ("Họ và tên: Ong Anh Hưng", "Ông Anh Hưng"),
            ("Tên (viết chữ in hoa): Ông Ông Trọng Lực", "Ông Trọng Lực"),
            // Its "g" read as a semicolon; before two words, the surname.
            ("Người nộp: Ôn; Lâm Tuấn Thành", "Lâm Tuấn Thành"),
            ("Người nộp: Ôn; Thu Ánh", "Ông Thu Ánh"),
            ("tiếp nhận hồ sơ của: Ông La Mạnh Bình", "La Mạnh Bình"),
            // Before "Thị", a woman's middle name: her surname.
            (
                "Người nộp: Ông Thị Lan My | Điện thoại: 0817480758",
                "Ông Thị Lan My",
            ),
            ("Họ, chữ đệm, tên: ÔNG THỊ LAN MY", "Ông Thị Lan My"),
        ] {
            assert_eq!(
                extract(&[&page(&[line])], today(), &[]).values["full_name"],
                name
            );
        }
        let p = page(&["Họ tên người nộp: Trần Tuấn Hải"]);
        assert_eq!(values(&p)["full_name"], "Trần Tuấn Hải");
        // A speck read as a letter before the label, a line of specks before the name.
        let p = page(&[
            "â Họ, chữ đệm và tên khai sinh/Full name:",
            "~-",
            "VĂN DUY TUẤN",
        ]);
        assert_eq!(values(&p)["full_name"], "Văn Duy Tuấn");
        // A card's bilingual label without its colon.
        let p = page(&["Họ, chữ đệm và tên khai sinh/Fuf' name", "| LƯƠNG ÁNH DUNG"]);
        assert_eq!(values(&p)["full_name"], "Lương Ánh Dung");
        // The corner of a card's photo read as a digit before the name.
        let p = page(&[
            "Họ và tên:",
            "6) NGÔ ANH ĐỊNH",
            "Ngày, tháng, năm sinh: 05/06/1953",
        ]);
        assert_eq!(values(&p)["full_name"], "Ngô Anh Định");
        // A list number is no speck: the item after it is no name.
        let p = page(&["Họ và tên:", "2. NỘI DUNG ĐỀ NGHỊ"]);
        assert_eq!(values(&p).get("full_name"), None);
    }

    #[test]
    fn a_spouse_or_witness_is_not_the_main_person() {
        let p = page(&[
            "Họ, chữ đệm, tên chồng: LÊ VĂN TÁM",
            "Họ và tên người làm chứng: ĐỖ AN",
        ]);
        assert!(
            !extract(&[&p], today(), &[])
                .values
                .contains_key("full_name")
        );
        let p = page(&["Họ tên chủ hộ: NGÔ THU NHUNG"]);
        assert_eq!(values(&p)["full_name"], "Ngô Thu Nhung");
    }

    #[test]
    fn a_card_prints_the_number_above_the_name() {
        let p = page(&[
            "CĂN CƯỚC CÔNG DÂN",
            "Số / No.: 040187031643",
            "Họ và tên / Full name:",
            "NGUYỄN MỸ LY",
            "Ngày sinh / Date of birth: 19/01/1987",
        ]);
        let f = extract(&[&p], today(), &[]);
        assert_eq!(f.values["id_number"], "040187031643");
        assert_eq!(f.values["date_of_birth"], "19/01/1987");
    }

    /// A card's bilingual name label, cut short or with a letter misread
    /// by OCR, still names the holder; another person's label does not
    /// become the holder's by being close to a plain one.
    #[test]
    fn a_card_label_cut_short_or_misread_still_names_the_holder() {
        for label in [
            "Họ và tên / Full",
            "'Họ, chữ đệm và tên khai sinl/Full name:",
        ] {
            let p = page(&[
                "CĂN CƯỚC CÔNG DÂN",
                "Số / No.: 040187031643",
                label,
                "NGUYỄN MỸ LY",
                "Ngày sinh / Date of birth: 19/01/1987",
            ]);
            let f = extract(&[&p], today(), &[]).values;
            assert_eq!(
                f.get("full_name").map(String::as_str),
                Some("Nguyễn Mỹ Ly"),
                "{label}"
            );
        }
        // The holder's number says 1997, the printed date 1987: one of the
        // two is misread, so neither is given.
        let p = page(&[
            "Số / No.: 080197218648",
            "Họ và tên / Full",
            "CHÂU HỒNG THỊ DIỆP",
            "Ngày sinh / Date of birth: 03/02/1987",
        ]);
        let f = extract(&[&p], today(), &[]).values;
        assert_eq!(
            f.get("full_name").map(String::as_str),
            Some("Châu Hồng Thị Diệp")
        );
        assert!(!f.contains_key("date_of_birth") && !f.contains_key("id_number"));
        for other in [
            "Họ và tên người làm chứng: LÊ VĂN TÁM",
            "Họ, chữ đệm, tên người mẹ: ĐỖ AN",
        ] {
            assert_eq!(
                name_label(&label_part(other)),
                Some(NameLabel::Other),
                "{other}"
            );
        }
        assert_eq!(
            name_label(&label_part("Họ và tên chủ hé: NGÔ THU")),
            Some(NameLabel::Other),
            "a short qualifier must be exact"
        );
    }

    #[test]
    fn numbers_and_dates_that_break_their_rules_are_not_given() {
        assert!(is_citizen_number("001094002978", Some("1994")));
        assert!(!is_citizen_number("001094002978", Some("1995")));
        assert!(!is_citizen_number("123456789012", None)); // province 123
        assert!(!is_citizen_number("061196129685", None)); // no province 061
        assert!(!is_citizen_number("003094002978", None)); // nor 003
        assert!(is_citizen_number("096094002978", None)); // Cà Mau
        assert!(!is_citizen_number("001594002978", None)); // century digit 5
        let p = page(&["Họ và tên: NGUYỄN VĂN BÌNH", "Ngày sinh: 31/02/1990"]);
        assert!(
            !extract(&[&p], today(), &[])
                .values
                .contains_key("date_of_birth")
        );
        let p = page(&["Họ và tên: NGUYỄN VĂN BÌNH", "Ngày sinh: 01/02/2031"]);
        assert!(
            !extract(&[&p], today(), &[])
                .values
                .contains_key("date_of_birth")
        );
    }

    #[test]
    fn labels_of_other_forms_and_the_name_on_the_next_line() {
        let p = page(&["Họ và tên / Full name: `", "HUỲNH HỒNG QUỲNH LINH"]);
        assert_eq!(values(&p)["full_name"], "Huỳnh Hồng Quỳnh Linh");
        let p = page(&["- Tên chủ đầu tư (tên chủ hộ): Lò Bảo Lợi"]);
        assert_eq!(values(&p)["full_name"], "Lò Bảo Lợi");
        let p = page(&["1.1. Tên (viết chữ in hoa): BÀ ĐỖ ÁNH SINH"]);
        assert_eq!(values(&p)["full_name"], "Đỗ Ánh Sinh");
        let p = page(&["Bà: KHÚC THÙY NGA , Năm sinh: 1975"]);
        assert_eq!(values(&p)["full_name"], "Khúc Thùy Nga");
        let p = page(&["Trung tâm Phục vụ hành chính công tiếp nhận hồ sơ của: Bà Khúc Thùy Nga"]);
        assert_eq!(values(&p)["full_name"], "Khúc Thùy Nga");
        // "Bà" without a colon is a word, not a label.
        let p = page(&["Bà con trong xóm đều biết"]);
        assert!(values(&p).is_empty());
    }

    #[test]
    fn without_a_name_label_the_birth_date_vouches_for_the_number() {
        let p = page(&[
            "Số / No.: 031173607411",
            "ĐỒ. tên / Full name:",
            "Ngày sinh / Date of birth: 12/12/1973",
        ]);
        let f = extract(&[&p], today(), &[]);
        assert_eq!(f.values["date_of_birth"], "12/12/1973");
        assert_eq!(f.values["id_number"], "031173607411");
        assert!(!f.values.contains_key("full_name"));
        // A number whose year digits disagree with the date is not given,
        // nor the date: which of the two OCR misread cannot be told.
        let p = page(&["Số: 031180607411", "Ngày sinh: 12/12/1973"]);
        assert!(values(&p).is_empty());
        // A date with no number beside it stands on its label.
        let p = page(&["Ngày sinh: 12/12/1973"]);
        assert_eq!(values(&p)["date_of_birth"], "12/12/1973");
        // Without a birth date nothing vouches for a number.
        let p = page(&["Số: 031173607411"]);
        assert!(values(&p).is_empty());
    }

    #[test]
    fn a_card_whose_name_label_is_unread_names_the_holder_by_its_layout() {
        // The one line of capitals between the vouched number and the birth date.
        let lines = [
            "036 định danh cá nhân/Persơnnl ldmntificstion nuniber:",
            "046083942562",
            "Hạ, chữ đậm và tần khai dhiyful name:",
            "HÀ HỮU THẮNG",
            "Ngày, thắng, năm sinh/Date of Hirtir 31/05/1983",
        ];
        let f = extract(&[&page(&lines)], today(), &[]);
        assert_eq!(f.values["full_name"], "Hà Hữu Thắng");
        assert_eq!(f.sources["full_name"].method, "card_layout");
        assert_eq!(f.values["id_number"], "046083942562");
        // Not when the number's year denies the date, not with two lines
        // of capitals to choose from, not in small letters, not far apart.
        let denied = ["046090942562", "HÀ HỮU THẮNG", "Ngày sinh: 31/05/1983"];
        let two = [
            "046083942562",
            "LÊ VĂN AN",
            "HÀ HỮU THẮNG",
            "Ngày sinh: 31/05/1983",
        ];
        let small = ["046083942562", "Hà Hữu Thắng", "Ngày sinh: 31/05/1983"];
        // Capitals that are no name: a heading, a birth label without its colon.
        let heading = ["046083942562", "CĂN CƯỚC CÔNG DÂN", "Ngày sinh: 31/05/1983"];
        let label = ["046083942562", "NGÀY SINH", "31/05/1983"];
        let far = [
            "046083942562",
            "HÀ HỮU THẮNG",
            "x",
            "y",
            "z",
            "w",
            "Ngày sinh: 31/05/1983",
        ];
        for lines in [&denied[..], &two, &small, &far, &heading, &label] {
            let f = extract(&[&page(lines)], today(), &[]);
            assert!(!f.values.contains_key("full_name"), "{lines:?}");
        }
    }

    #[test]
    fn a_card_read_values_first_names_the_holder_after_the_number() {
        // OCR read the card's values apart from its labels; the name label
        // has no name after it.
        let lines = [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "048187040699",
            "TẠ BÍCH HÀ",
            "Nơi cư trủ/P[ace of residence:",
            "CĂN CƯỚC",
            "Số định danh cá nhân/Personal idortification nuebor;",
            "Họ, chữ đệm và tên khai sinh/Full name:",
            "Ngày, tháng, năm sinh/Date of birth: 05/08/1987",
        ];
        let f = extract(&[&page(&lines)], today(), &[]);
        assert_eq!(f.values["full_name"], "Tạ Bích Hà");
        assert_eq!(f.sources["full_name"].method, "card_layout");
        assert_eq!(f.values["id_number"], "048187040699");
        // Not when the number's year denies the birth date, nor when the
        // number shares its line with other words.
        let mut denied = lines;
        denied[1] = "048190040699";
        let mut shared = lines;
        shared[1] = "Số: 048187040699 (bản sao)";
        for lines in [denied, shared] {
            let f = extract(&[&page(&lines)], today(), &[]);
            assert!(!f.values.contains_key("full_name"), "{lines:?}");
        }
    }

    #[test]
    fn a_number_ocr_split_with_a_space_is_joined() {
        let p = page(&[
            "Tôi là (ghi họ tên bằng chữ in hoa): TRỊNH THỊ SINH",
            "Giới tính: Nữ Sinh ngày: 28/10/1990",
            "Số định danh cá nhân: 0381901 10785",
            "Điện thoại: 0881925966",
        ]);
        let f = extract(&[&p], today(), &[]);
        assert_eq!(f.values["full_name"], "Trịnh Thị Sinh");
        assert_eq!(f.values["id_number"], "038190110785");
    }

    #[test]
    fn a_card_s_bilingual_label_without_slash_or_colon_names_the_holder() {
        let p = page(&[
            "Số / No.: 046187857082",
            "Họ và tên Fuii name",
            "VÕ KIM NGỌC NỌt ro. CC 1cm trên trước",
        ]);
        assert_eq!(values(&p)["full_name"], "Võ Kim Ngọc");
        // Another person's label stays another person's.
        let p = page(&["Họ và tên cha Father's name", "VÕ KIM NGỌC"]);
        assert_eq!(values(&p).get("full_name"), None);
    }

    #[test]
    fn a_receipt_label_broken_by_ocr_still_names_the_person() {
        for (lines, want) in [
            (
                &[
                    "Bộ phận Một cửa UBND huyện Trảng Bom tiếp nhận hồ sơ",
                    "của: Ông Khúc Hữu Quang",
                ][..],
                "Khúc Hữu Quang",
            ),
            (
                &["Chi nhánh Văn phòng tiếp nhân hỗ sơ của. Ba Dương Khánh An"][..],
                "Dương Khánh An",
            ),
            (&["nhận hồ sơ của: Bà Hồ Ánh Thơm"][..], "Hồ Ánh Thơm"),
            // One letter of the label misread ("hồ" read "bô").
            (
                &["Tiếp nhận bô sơ của: Ông Đoàn Thanh Lộc"][..],
                "Đoàn Thanh Lộc",
            ),
            (
                &["UBND xã tiếp nhận hồ sơ cùa. Bà Lê Thị Hoa"][..],
                "Lê Thị Hoa",
            ),
        ] {
            let p = page(lines);
            assert_eq!(
                values(&p).get("full_name").map(String::as_str),
                Some(want),
                "{lines:?}"
            );
        }
        // "của" that does not follow the label is left alone.
        let p = page(&["Hồ sơ", "của: Ông Khúc Hữu Quang"]);
        assert_eq!(values(&p).get("full_name"), None);
        // Other words a letter away are other texts; "hồ sơ" two letters off too.
        for line in [
            "Nhập hồ sơ của: Ông Đoàn Thanh Lộc",
            "Tiếp nhận hồ sơ cũ: Ông Đoàn Thanh Lộc",
            "Tiếp nhận ba số của: Ông Đoàn Thanh Lộc",
        ] {
            let p = page(&[line]);
            assert_eq!(values(&p).get("full_name"), None, "{line}");
        }
        // "tiếp" and "nhận" run together by OCR.
        let p = page(&["Bộ phận Một cửa tiếpnhận hồ sơ của: Ông Lê Văn An"]);
        assert_eq!(values(&p)["full_name"], "Lê Văn An");
    }

    #[test]
    fn a_name_label_whose_colon_ocr_lost_still_names_the_person() {
        let p = page(&[
            "BIẾN NHÂN HỖ SỞ",
            "Hồ tén người nộp Bùi Bích Lụa",
            "Đăa chị: NÓ 4TN, đường Nguyên Thị Minh Khai",
        ]);
        assert_eq!(values(&p)["full_name"], "Bùi Bích Lụa");
        // Not when more than a name follows, nor after another person's label.
        for line in [
            "Họ tên người nộp Bùi Bích Lụa sinh năm 1980",
            "NGƯỜI NỘP HỒ SƠ | NGƯỜI TIẾP NHẬN HỒ SƠ",
            "NGƯỜI NỘP HỒ SƠ NGƯỜI TIẾP NHẬN HỒ SƠ",
            // A signature block's heading alone, its tone marks misread.
            "NGƯỢI NỢP HO SƠ",
            "Họ và tên người mẹ Bùi Bích Lụa",
        ] {
            let p = page(&[line]);
            assert_eq!(values(&p).get("full_name"), None, "{line}");
        }
    }

    #[test]
    fn a_name_label_in_the_attorney_s_part_never_names_the_main_person() {
        // tune seed9 batch_022: the principal's label "Ông:" read as "ng:".
        let lines = [
            "GIẤY ỦY QUYỀN",
            "I. NGƯỜI ỦY QUYỀN",
            "ng: VŨ HOÃẴẲNG SƠN nh ngày: Ô) 10 2007",
            "1H NGƯỜI ĐƯỢC ỦY QUYẾN",
            "Họ và tên: Ông Bích Giảng",
            "Sinh ngày: 01/01/1999",
            "Căn cước công dân số: 001199007792",
        ];
        let f = values(&page(&lines));
        assert!(f.is_empty(), "{f:?}");
        // The principal's part read: theirs.
        let mut lines = lines;
        lines[2] = "Ông: VŨ HOÀNG SƠN Sinh ngày: 03/10/2005";
        let f = values(&page(&lines));
        assert_eq!(f["full_name"], "Vũ Hoàng Sơn");
        assert_eq!(f["date_of_birth"], "03/10/2005");
        assert!(!f.contains_key("id_number"), "{f:?}");
    }

    #[test]
    fn a_name_that_ends_its_line_goes_on_at_the_next() {
        let p = page(&[
            "Bộ phận Một cửa tiếp nhận hồ sơ của: Bà Kiều Kim Hoài",
            "Yến",
            "Số định danh cá nhân: 080198180061",
        ]);
        assert_eq!(values(&p)["full_name"], "Kiều Kim Hoài Yến");
        // Specks OCR read after the rest of the name do not stop it.
        let p = page(&[
            "Trung tâm Phục vụ hành chính công tiếp nhận hồ sơ của: Ông Dương Quốc",
            "Việt _",
            "Số định danh cá nhân: 056091017544",
        ]);
        assert_eq!(values(&p)["full_name"], "Dương Quốc Việt");
        // A name followed by more on its line is whole.
        let p = page(&["Họ và tên: TRẦN VĂN AN, sinh năm 1980", "Hà Nội"]);
        assert_eq!(values(&p)["full_name"], "Trần Văn An");
    }

    #[test]
    fn a_split_day_or_a_year_the_number_denies_gives_no_birth_date() {
        let p = page(&[
            "Họ và tên: LÊ BÍCH NHUNG",
            "Ngày, tháng, năm sinh: 1 1/10/1998",
        ]);
        assert!(
            !extract(&[&p], today(), &[])
                .values
                .contains_key("date_of_birth")
        );
        // The number says born in '98, the date (misread) 1908.
        let p = page(&[
            "Họ và tên: LÊ BÍCH NHUNG",
            "Số / No.: 075198949684",
            "Ngày sinh / Date of birth: 11/10/1908",
        ]);
        let f = extract(&[&p], today(), &[]);
        assert!(!f.values.contains_key("date_of_birth"), "{f:?}");
        assert!(!f.values.contains_key("id_number"), "{f:?}");
    }

    #[test]
    fn a_date_whose_slashes_ocr_lost_stands_only_where_the_number_vouches() {
        for date in [
            "1501/1975",
            "15/011975",
            "15011975",
            "15 01 1975",
            "15 011975",
        ] {
            let p = page(&[
                "Tôi là (ghi họ tên bằng chữ in hoa): NÔNG HỮU TRUNG",
                &format!("Giới tính: Nam Sinh ngày: {date}"),
                "Số định danh cá nhân: 046075448338",
            ]);
            let f = extract(&[&p], today(), &[]);
            assert_eq!(f.values["date_of_birth"], "15/01/1975", "{date}");
            assert_eq!(f.values["id_number"], "046075448338");
        }
        // A squeezed date no number vouches for is no date, and the
        // number is read as if there were none.
        let p = page(&[
            "Họ và tên: NÔNG HỮU TRUNG",
            "Sinh ngày: 1501/1976",
            "Số định danh cá nhân: 046075448338",
        ]);
        let f = extract(&[&p], today(), &[]).values;
        assert!(!f.contains_key("date_of_birth"), "{f:?}");
        assert_eq!(f["id_number"], "046075448338");
        // A month OCR split in two is one month.
        let p = page(&[
            "Họ, chữ đệm, tên: HÀ MỸ ANH",
            "Ngày, tháng, năm sinh: 06/1 1/1989",
        ]);
        assert_eq!(values(&p)["date_of_birth"], "06/11/1989");
        // A day OCR split in two stays refused; a whole date on the next
        // line wins over eight digits on the label's.
        let p = page(&[
            "Họ và tên: LÊ AN",
            "Sinh ngày: 1 11/10/1998",
            "Số định danh cá nhân: 046098123456",
        ]);
        assert!(!values(&p).contains_key("date_of_birth"));
        let p = page(&[
            "Họ và tên: LÊ AN",
            "Ngày sinh: 15011998",
            "11/10/1998",
            "Số định danh cá nhân: 046098123456",
        ]);
        assert_eq!(values(&p)["date_of_birth"], "11/10/1998");
        // No number, a number of another year, or not eight digits: no date.
        for (date, number) in [
            ("15011975", ""),
            ("15011975", "Số định danh cá nhân: 046076448338"),
            ("1501975", "Số định danh cá nhân: 046075448338"),
            ("150111975", "Số định danh cá nhân: 046075448338"),
            ("15 01 1976", "Số định danh cá nhân: 046075448338"),
        ] {
            let p = page(&[
                "Họ và tên: NÔNG HỮU TRUNG",
                &format!("Sinh ngày: {date}"),
                number,
            ]);
            let f = extract(&[&p], today(), &[]);
            assert!(!f.values.contains_key("date_of_birth"), "{date} {number}");
            // And no name label: the same.
            let p = page(&[&format!("Ngày sinh: {date}"), number]);
            let f = extract(&[&p], today(), &[]);
            assert!(!f.values.contains_key("date_of_birth"), "{date} {number}");
        }
    }

    #[test]
    fn a_date_whose_slash_ocr_read_as_a_colon_is_read() {
        let p = page(&["Ông: CHÂU HOÀNG DUY HẢI | Sinh ngày: 30/11:1983"]);
        assert_eq!(values(&p)["date_of_birth"], "30/11/1983");
        // Not a colon for the first slash ("Điều 1: 12/2020", a time).
        for line in ["Ngày sinh: 10:11:1983", "Ngày sinh (Điều 1: 12/2020)"] {
            let p = page(&["Họ và tên: LÊ AN", line]);
            assert!(!values(&p).contains_key("date_of_birth"), "{line}");
        }
    }

    #[test]
    fn common_surnames_and_middle_names_get_their_diacritics_back() {
        let p = page(&["Họ và tên: NGUYÊN THI MỸ LY"]);
        assert_eq!(values(&p)["full_name"], "Nguyễn Thị Mỹ Ly");
        // The given name is left as read, even when it folds like a middle name.
        let p = page(&["Họ và tên: LÊ VAN"]);
        assert_eq!(values(&p)["full_name"], "Lê Van");
    }

    #[test]
    fn a_card_zone_outranks_the_labels_and_picks_the_printed_name() {
        let l1 = "IDVNM1870316435040187031643<<0";
        let l2 = "8701196F2701194VNM<<<<<<<<<<<3";
        // The printed number is misread; the zone's holds by its check digit.
        let p = page(&[
            "Số / No.: 040187031648",
            "Họ và tên / Full name: NGUYỄN MÝ",
            "NGUYỄN MỸ LY",
            l1,
            l2,
            "NGUYEN<<MY<LY<<<<<<<<<<<<<<<<<",
        ]);
        let f = extract(&[&p], today(), &[]);
        assert_eq!(f.values["id_number"], "040187031643");
        assert_eq!(f.sources["id_number"].method, "mrz");
        assert_eq!(f.values["date_of_birth"], "19/01/1987");
        assert_eq!(f.values["full_name"], "Nguyễn Mỹ Ly");
        // An ID whose province digits OCR misread (the check digit does
        // not cover them) is not taken from the zone.
        let misread = l1.replacen("5040187031643", "5840187031643", 1);
        let p = page(&[misread.as_str(), l2]);
        assert!(values(&p).is_empty());
        // Line 2 misread past its check digit: the printed birth date
        // vouches for the number when its century and year agree, and
        // not when they do not.
        let garbled = "9698082F3108088VNM<<<<<<<<<<<1";
        let p = page(&["Ngày sinh / Date of birth: 19/01/1987", l1, garbled]);
        let f = extract(&[&p], today(), &[]);
        assert_eq!(f.values["id_number"], "040187031643");
        assert_eq!(f.values["date_of_birth"], "19/01/1987");
        let p = page(&["Ngày sinh / Date of birth: 19/01/1988", l1, garbled]);
        assert!(!values(&p).contains_key("id_number"));
        // ...and the zone's number denies that date: which of the two OCR
        // misread cannot be told, so neither is given.
        assert!(!values(&p).contains_key("date_of_birth"));
        // A card whose labels OCR lost: the zone alone gives its fields.
        let p = page(&[
            "CĂN CƯỚC",
            "040187031643",
            "NGUYÊN MỸ LY",
            l1,
            l2,
            "NGUYEN<<MY<LY<«<«",
        ]);
        let f = extract(&[&p], today(), &[]);
        assert_eq!(f.values["id_number"], "040187031643");
        assert_eq!(f.values["full_name"], "Nguyễn Mỹ Ly");
        // A printed name the zone does not spell is not given.
        let p = page(&[
            "Họ và tên: TRẦN VĂN AN",
            l1,
            l2,
            "NGUYEN<<MY<LY<<<<<<<<<<<<<<<<<",
        ]);
        assert!(
            !extract(&[&p], today(), &[])
                .values
                .contains_key("full_name")
        );
    }
}
