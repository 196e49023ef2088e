//! People: one person as the documents of a batch read them.
//!
//! A dossier names its applicant on several papers: the receipt, the
//! form, the ID card's copy. OCR misreads each copy its own way, most
//! often a tone mark over a capital ("THỦY" for "THÙY", "KHANH" for
//! "KHÁNH"), now and then a letter ("HOAYI" for "HOÀI") or a digit of a
//! date. Read together, the copies outvote the misreading: [`agree`] finds
//! the readings of one person and gives each of them the spelling, and the
//! birth date, that most of them give.
//!
//! - **One person**: two documents with the same ID number; or names
//!   alike letter for letter once folded (one letter apart per word at
//!   most, two in all) whose birth dates, where both have one, are at most
//!   a digit apart, and whose ID numbers, where both have one, are one
//!   digit apart. A group whose numbers are further apart, or whose names
//!   are not alike, is left as read.
//! - **The ID number**: the QR code's, else the one most readings give
//!   (a digit OCR misread on one copy: "066194131970" on the card where
//!   the receipt and the form read "056194131970"). Two numbers read as
//!   often: left as read.
//! - **The spelling**: an ID card's QR code, read exactly, outvotes the
//!   print. Else the one most readings give; between as many, the one
//!   whose words are more of them common name words
//!   ([`crate::names::common_words`]). A tie nothing breaks changes
//!   nothing: which of two readings misread a tone mark cannot be told
//!   (print in small letters is misread too: "Vĩnh" for "Vinh").
//! - **The birth date**: the QR code's, else one that at least two
//!   readings give and more than give any other.
//!
//! Nothing is invented. A document gets a name it did not read only when
//! it carries the person's ID number (every paper that prints a citizen's
//! number prints the name with it), and a birth date only in place of one
//! read otherwise. Each value so given says so: its source's `method` is
//! [`AGREED`], with the page, label and line it was read on, if any.

use crate::fields::{FieldSource, Fields, Unsure};
use crate::fold::fold;
use std::collections::BTreeMap;

/// The source method of a value given by the batch's other readings.
pub const AGREED: &str = "batch_agreement";

/// What the other documents of the batch read of the same people, given
/// to each document (`docs`: each document's fields, in batch order).
pub fn agree(docs: &mut [Fields]) {
    vouch(docs);
    for group in people(docs) {
        let Some(agreed) = Agreed::of(docs, &group) else {
            continue;
        };
        for &i in &group {
            agreed.give(&mut docs[i]);
        }
    }
}

/// A document that read no ID number, but a number the rules cannot vouch
/// for ([`Unsure`]) within one digit of the number another document reads
/// of a person, and that names that person too (its name, or a card's
/// unlabelled name line, alike theirs): it gets that person's number, with
/// the page and line of its own reading. Two such persons: none.
fn vouch(docs: &mut [Fields]) {
    let known: Vec<(String, String)> = docs
        .iter()
        .filter_map(|d| {
            let id = value(d, "id_number")?;
            Some((id.to_string(), value(d, "full_name")?.to_string()))
        })
        .collect();
    for doc in docs.iter_mut().filter(|d| value(d, "id_number").is_none()) {
        let names: Vec<&str> = value(doc, "full_name")
            .into_iter()
            .chain(unsure(doc, "full_name").map(|u| u.value.as_str()))
            .collect();
        let mut found: Vec<(&str, &Unsure)> = Vec::new();
        for u in unsure(doc, "id_number") {
            for (id, name) in &known {
                let near = strsim::levenshtein(&u.value, id) <= 1;
                if near && names.iter().any(|n| alike(n, name)) {
                    found.push((id, u));
                }
            }
        }
        found.sort_by_key(|f| f.0);
        found.dedup_by_key(|f| f.0);
        if let [(id, u)] = found.as_slice() {
            let source = FieldSource {
                method: AGREED.into(),
                ..u.source.clone()
            };
            let id = id.to_string();
            doc.values.insert("id_number".into(), id);
            doc.sources.insert("id_number".into(), source);
        }
    }
}

/// A document's unsure readings of `field`.
fn unsure<'a>(doc: &'a Fields, field: &'a str) -> impl Iterator<Item = &'a Unsure> {
    doc.unsure.iter().filter(move |u| u.field == field)
}

/// The documents of each person read more than once (indexes into `docs`).
fn people(docs: &[Fields]) -> Vec<Vec<usize>> {
    let mut leader: Vec<usize> = (0..docs.len()).collect();
    fn root(leader: &mut [usize], mut i: usize) -> usize {
        while leader[i] != i {
            leader[i] = leader[leader[i]];
            i = leader[i];
        }
        i
    }
    for a in 0..docs.len() {
        for b in a + 1..docs.len() {
            if same_person(&docs[a], &docs[b]) {
                let (ra, rb) = (root(&mut leader, a), root(&mut leader, b));
                leader[rb] = ra;
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..docs.len() {
        let r = root(&mut leader, i);
        groups.entry(r).or_default().push(i);
    }
    groups.into_values().filter(|g| g.len() > 1).collect()
}

fn value<'a>(f: &'a Fields, name: &str) -> Option<&'a str> {
    f.values.get(name).map(String::as_str)
}

/// Do two documents' main persons read as one person?
fn same_person(a: &Fields, b: &Fields) -> bool {
    let ids = (value(a, "id_number"), value(b, "id_number"));
    if let (Some(x), Some(y)) = ids
        && x == y
    {
        return true;
    }
    let (Some(x), Some(y)) = (value(a, "full_name"), value(b, "full_name")) else {
        return false;
    };
    let dates_fit = match (value(a, "date_of_birth"), value(b, "date_of_birth")) {
        (Some(p), Some(q)) => differing(p, q) <= 1,
        _ => true,
    };
    let ids_fit = match ids {
        (Some(x), Some(y)) => x.len() == y.len() && differing(x, y) == 1,
        _ => true,
    };
    alike(x, y) && dates_fit && ids_fit
}

/// Names alike letter for letter once folded: as many words, each at
/// most one letter apart, at most two in all.
fn alike(a: &str, b: &str) -> bool {
    let (a, b) = (fold(a), fold(b));
    let (a, b): (Vec<&str>, Vec<&str>) = (a.split(' ').collect(), b.split(' ').collect());
    if a.len() != b.len() {
        return false;
    }
    let apart: Vec<usize> = a
        .iter()
        .zip(&b)
        .map(|(x, y)| strsim::levenshtein(x, y))
        .collect();
    apart.iter().all(|d| *d <= 1) && apart.iter().sum::<usize>() <= 2
}

/// How many characters two strings of the same length differ in (the
/// length's difference counts in full).
fn differing(a: &str, b: &str) -> usize {
    let diff = a.chars().zip(b.chars()).filter(|(x, y)| x != y).count();
    diff + a.chars().count().abs_diff(b.chars().count())
}

/// What one person's readings agree on.
struct Agreed {
    name: Option<String>,
    id: Option<String>,
    date_of_birth: Option<String>,
}

impl Agreed {
    /// `None` when the group's readings are not one person beyond doubt:
    /// ID numbers more than a digit apart, or two that no reading
    /// outvotes; or names not alike.
    fn of(docs: &[Fields], group: &[usize]) -> Option<Agreed> {
        let ids: Vec<(&str, bool)> = group
            .iter()
            .filter_map(|&i| reading(&docs[i], "id_number"))
            .collect();
        let id = vote(&ids, 1, |_| 0);
        let one_number = match &id {
            Some(id) => ids.iter().all(|(n, _)| differing(n, id) <= 1),
            None => ids.is_empty(),
        };
        if !one_number {
            return None;
        }
        let names: Vec<(&str, bool)> = group
            .iter()
            .filter_map(|&i| reading(&docs[i], "full_name"))
            .collect();
        if names.iter().any(|(n, ..)| !alike(n, names[0].0)) {
            return None;
        }
        Some(Agreed {
            name: spelling(&names),
            id,
            date_of_birth: birth_date(docs, group),
        })
    }

    /// Give a document of the person what the readings agree on.
    fn give(&self, doc: &mut Fields) {
        if let Some(id) = &self.id
            && value(doc, "id_number").is_some_and(|read| read != id)
        {
            respell(doc, "id_number", id);
        }
        if let Some(name) = &self.name {
            let carries_id = self.id.is_some() && value(doc, "id_number") == self.id.as_deref();
            match value(doc, "full_name") {
                Some(read) if read != name => respell(doc, "full_name", name),
                None if carries_id => {
                    let page = doc.sources.get("id_number").map_or(1, |s| s.page);
                    let source = FieldSource {
                        method: AGREED.into(),
                        page,
                        label: None,
                        line: None,
                    };
                    doc.values.insert("full_name".into(), name.clone());
                    doc.sources.insert("full_name".into(), source);
                }
                _ => {}
            }
        }
        if let Some(date) = &self.date_of_birth
            && value(doc, "date_of_birth").is_some_and(|d| d != date)
        {
            respell(doc, "date_of_birth", date);
        }
    }
}

/// A field's value replaced by the agreed one; its source keeps where it
/// was read.
fn respell(doc: &mut Fields, field: &str, value: &str) {
    doc.values.insert(field.into(), value.into());
    if let Some(source) = doc.sources.get_mut(field) {
        source.method = AGREED.into();
    }
}

/// A field's value, and whether it was read off the ID card's QR code.
fn reading<'a>(doc: &'a Fields, field: &str) -> Option<(&'a str, bool)> {
    let v = value(doc, field)?;
    let exact = doc
        .sources
        .get(field)
        .is_some_and(|s| s.method == "id_card_qr");
    Some((v, exact))
}

/// The name the readings agree on (see the module's doc).
fn spelling(names: &[(&str, bool)]) -> Option<String> {
    vote(names, 1, crate::names::common_words)
}

/// The birth date the readings agree on: the QR code's, else one given by
/// two readings at least and by more than give any other.
fn birth_date(docs: &[Fields], group: &[usize]) -> Option<String> {
    let dates: Vec<(&str, bool)> = group
        .iter()
        .filter_map(|&i| reading(&docs[i], "date_of_birth"))
        .collect();
    vote(&dates, 2, |_| 0)
}

/// The value a person's readings (value, read off the QR code) agree on:
/// the QR code's, where they give one only; else the value given by `min`
/// readings at least and by more than give any other, ties broken by
/// `rank` (higher wins). A tie nothing breaks: none.
fn vote(readings: &[(&str, bool)], min: usize, rank: impl Fn(&str) -> usize) -> Option<String> {
    let mut exact: Vec<&str> = readings.iter().filter(|r| r.1).map(|r| r.0).collect();
    exact.sort_unstable();
    exact.dedup();
    if !exact.is_empty() {
        return (exact.len() == 1).then(|| exact[0].to_string());
    }
    let mut score: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (value, _) in readings {
        score.entry(value).or_insert((0, rank(value))).0 += 1;
    }
    let mut ranked: Vec<(&str, (usize, usize))> = score.into_iter().collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.1));
    match ranked.as_slice() {
        [(top, a), rest @ ..] if a.0 >= min && rest.first().is_none_or(|r| r.1 < *a) => {
            Some(top.to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A document's fields as read: (field, value, method, line).
    fn doc(read: &[(&str, &str, &str, &str)]) -> Fields {
        let mut f = Fields::default();
        for (field, value, method, line) in read {
            f.values.insert(field.to_string(), value.to_string());
            f.sources.insert(
                field.to_string(),
                FieldSource {
                    method: method.to_string(),
                    page: 1,
                    label: None,
                    line: Some(line.to_string()),
                },
            );
        }
        f
    }

    fn names(docs: &[Fields]) -> Vec<Option<&str>> {
        docs.iter().map(|d| value(d, "full_name")).collect()
    }

    #[test]
    fn most_readings_of_one_person_outvote_a_misread_tone_mark_or_letter() {
        let mut docs = vec![
            doc(&[(
                "full_name",
                "Vương Đình Lợi",
                "label",
                "Người nộp: Vương Đình Lợi",
            )]),
            doc(&[(
                "full_name",
                "Vương Định Lợi",
                "label",
                "Họ, chữ đệm, tên: VƯƠNG ĐỊNH LỢI",
            )]),
            doc(&[(
                "full_name",
                "Vương Đình Lợi",
                "label",
                "Họ và tên: VƯƠNG ĐÌNH LỢI",
            )]),
            doc(&[("full_name", "Vương Đình Lội", "label", "VƯƠNG ĐÌNH LỘI")]),
        ];
        agree(&mut docs);
        assert_eq!(names(&docs), [Some("Vương Đình Lợi"); 4]);
        assert_eq!(docs[1].sources["full_name"].method, AGREED);
        assert_eq!(
            docs[1].sources["full_name"].line.as_deref(),
            Some("Họ, chữ đệm, tên: VƯƠNG ĐỊNH LỢI"),
            "the source still says where it was read"
        );
        assert_eq!(docs[0].sources["full_name"].method, "label");
    }

    #[test]
    fn a_tie_goes_to_common_name_words_else_nothing_changes() {
        let id = ("id_number", "022185310154", "label", "Số: 022185310154");
        let mut common = vec![
            doc(&[
                ("full_name", "Phan Thủ Giang", "label", "PHAN THỦ GIANG"),
                id,
            ]),
            doc(&[
                ("full_name", "Phan Thu Giang", "label", "PHAN THU GIANG"),
                id,
            ]),
        ];
        agree(&mut common);
        assert_eq!(names(&common), [Some("Phan Thu Giang"); 2]);

        // Both common, once each, small letters or not: which misread
        // cannot be told.
        let mut tied = vec![
            doc(&[("full_name", "Khúc Thùy Nga", "label", "Bà: KHÚC THÙY NGA")]),
            doc(&[("full_name", "Khúc Thủy Nga", "label", "Bà: KHÚC THỦY NGA")]),
            doc(&[(
                "full_name",
                "Mai Đức Anh Vĩnh",
                "label",
                "Người nộp: Mai Đức Anh Vĩnh",
            )]),
            doc(&[("full_name", "Mai Đức Anh Vinh", "label", "MAI ĐỨC ANH VINH")]),
        ];
        agree(&mut tied);
        assert_eq!(
            names(&tied),
            [
                Some("Khúc Thùy Nga"),
                Some("Khúc Thủy Nga"),
                Some("Mai Đức Anh Vĩnh"),
                Some("Mai Đức Anh Vinh")
            ]
        );
        assert_eq!(tied[1].sources["full_name"].method, "label");
    }

    #[test]
    fn the_id_card_qr_outvotes_the_print() {
        let mut docs = vec![
            doc(&[("full_name", "Mai Phương Anh", "label", "MAI PHƯƠNG ANH")]),
            doc(&[("full_name", "Mai Phương Anh", "label", "MAI PHƯƠNG ANH")]),
            doc(&[
                ("full_name", "Mai Phương Ánh", "id_card_qr", ""),
                ("date_of_birth", "19/03/1985", "id_card_qr", ""),
            ]),
            doc(&[
                ("full_name", "Mai Phương Anh", "label", "MAI PHƯƠNG ANH"),
                (
                    "date_of_birth",
                    "19/08/1985",
                    "label",
                    "Sinh ngày: 19/08/1985",
                ),
            ]),
        ];
        agree(&mut docs);
        assert_eq!(names(&docs), [Some("Mai Phương Ánh"); 4]);
        assert_eq!(value(&docs[3], "date_of_birth"), Some("19/03/1985"));
    }

    #[test]
    fn an_id_number_misread_by_a_digit_on_one_copy_is_outvoted_and_a_tie_is_left() {
        let person = |id: &str| {
            doc(&[
                ("full_name", "Trần Thị Thu", "label", ""),
                ("id_number", id, "label", ""),
                ("date_of_birth", "26/08/1970", "label", ""),
            ])
        };
        let mut docs = vec![
            person("056194131970"),
            person("066194131970"),
            person("056194131970"),
        ];
        agree(&mut docs);
        let ids: Vec<_> = docs.iter().map(|d| value(d, "id_number")).collect();
        assert_eq!(ids, [Some("056194131970"); 3]);
        assert_eq!(docs[1].sources["id_number"].method, AGREED);
        assert_eq!(docs[0].sources["id_number"].method, "label");

        // Once each: which copy misread cannot be told.
        let mut tied = vec![person("056194131970"), person("066194131970")];
        agree(&mut tied);
        assert_eq!(value(&tied[1], "id_number"), Some("066194131970"));
        assert_eq!(tied[1].sources["id_number"].method, "label");

        // Two digits apart: not one person's number misread.
        let mut far = vec![
            person("056194131970"),
            person("066194131971"),
            person("056194131970"),
        ];
        agree(&mut far);
        assert_eq!(value(&far[1], "id_number"), Some("066194131971"));
    }

    #[test]
    fn different_people_are_not_merged() {
        // Alike names, different ID numbers: two people.
        let mut ids = vec![
            doc(&[
                ("full_name", "Nguyễn Văn An", "label", ""),
                ("id_number", "001090000001", "label", ""),
            ]),
            doc(&[
                ("full_name", "Nguyễn Văn Ân", "label", ""),
                ("id_number", "001065000002", "label", ""),
            ]),
            doc(&[
                ("full_name", "Nguyễn Văn Ân", "label", ""),
                ("id_number", "001065000002", "label", ""),
            ]),
        ];
        agree(&mut ids);
        assert_eq!(
            names(&ids),
            [
                Some("Nguyễn Văn An"),
                Some("Nguyễn Văn Ân"),
                Some("Nguyễn Văn Ân")
            ]
        );
        // Alike names, birth dates far apart: father and son.
        let mut dates = vec![
            doc(&[
                ("full_name", "Lê Văn Hùng", "label", ""),
                ("date_of_birth", "01/02/1960", "label", ""),
            ]),
            doc(&[
                ("full_name", "Lê Văn Hưng", "label", ""),
                ("date_of_birth", "05/09/1990", "label", ""),
            ]),
            doc(&[
                ("full_name", "Lê Văn Hưng", "label", ""),
                ("date_of_birth", "05/09/1990", "label", ""),
            ]),
        ];
        agree(&mut dates);
        assert_eq!(value(&dates[0], "full_name"), Some("Lê Văn Hùng"));
        // Names not alike: nothing in common.
        let mut other = vec![
            doc(&[("full_name", "Hà Hoài Linh", "label", "")]),
            doc(&[("full_name", "Hà Văn Linh", "label", "")]),
        ];
        agree(&mut other);
        assert_eq!(names(&other), [Some("Hà Hoài Linh"), Some("Hà Văn Linh")]);
    }

    #[test]
    fn a_name_is_given_only_beside_the_person_s_id_number_and_a_date_only_in_place_of_one() {
        let id = ("id_number", "031173607411", "label", "Số: 031173607411");
        let mut docs = vec![
            doc(&[
                (
                    "full_name",
                    "Đỗ Ánh Sinh",
                    "label",
                    "Người nộp: Đỗ Ánh Sinh",
                ),
                id,
            ]),
            doc(&[("full_name", "Đỗ Ánh Sinh", "label", "ĐỖ ÁNH SINH"), id]),
            doc(&[id, ("date_of_birth", "12/12/1973", "label", "")]),
            doc(&[]),
        ];
        agree(&mut docs);
        assert_eq!(value(&docs[2], "full_name"), Some("Đỗ Ánh Sinh"));
        assert_eq!(docs[2].sources["full_name"].method, AGREED);
        assert_eq!(docs[2].sources["full_name"].line, None);
        assert_eq!(value(&docs[3], "full_name"), None);
        assert_eq!(
            value(&docs[0], "date_of_birth"),
            None,
            "no date is invented"
        );
    }

    fn with_unsure(mut f: Fields, unsure: &[(&'static str, &str)]) -> Fields {
        for (field, v) in unsure {
            f.unsure.push(Unsure {
                field,
                value: v.to_string(),
                source: FieldSource {
                    method: "label".into(),
                    page: 2,
                    label: None,
                    line: Some(format!("read: {v}")),
                },
            });
        }
        f
    }

    #[test]
    fn a_number_misread_by_a_digit_is_given_as_the_batch_reads_it_where_the_name_agrees() {
        let nga = doc(&[
            (
                "full_name",
                "Khúc Thùy Nga",
                "label",
                "Bên A: Bà Khúc Thùy Nga",
            ),
            (
                "id_number",
                "074175441077",
                "label",
                "CCCD số: 074175441077",
            ),
        ]);
        let khoa = doc(&[
            ("full_name", "Hà Đình Khoa", "label", "Ông: Hà Đình Khoa"),
            (
                "id_number",
                "066078524888",
                "label",
                "CCCD số: 066078524888",
            ),
        ]);
        let misread = with_unsure(
            doc(&[("full_name", "Khúc Thủy Nga", "label", "Bà: KHÚC THỦY NGA")]),
            &[("id_number", "074175141077")],
        );
        let other_person = with_unsure(
            doc(&[("full_name", "Lâm Diệu Hồng", "label", "Bà: LÂM DIỆU HỒNG")]),
            &[("id_number", "074175441077")],
        );
        let card = with_unsure(
            Fields::default(),
            &[
                ("id_number", "0660785248880"),
                ("full_name", "Hà Đình Khoa"),
            ],
        );
        let mut docs = vec![nga, khoa, misread, other_person, card];
        agree(&mut docs);
        assert_eq!(value(&docs[2], "id_number"), Some("074175441077"));
        let source = &docs[2].sources["id_number"];
        assert_eq!(source.method, AGREED);
        assert_eq!(
            (source.page, source.line.as_deref()),
            (2, Some("read: 074175141077"))
        );
        assert_eq!(value(&docs[3], "id_number"), None, "another person's name");
        assert_eq!(value(&docs[4], "id_number"), Some("066078524888"));
        assert_eq!(value(&docs[4], "full_name"), Some("Hà Đình Khoa"));
    }

    #[test]
    fn an_unsure_number_near_two_people_s_numbers_is_given_neither() {
        let person = |id: &str| {
            doc(&[
                ("full_name", "Lê Văn Hùng", "label", ""),
                ("id_number", id, "label", ""),
            ])
        };
        let unsure = with_unsure(
            doc(&[("full_name", "Lê Văn Hùng", "label", "")]),
            &[("id_number", "001090000003")],
        );
        let mut docs = vec![person("001090000001"), person("001090000002"), unsure];
        agree(&mut docs);
        assert_eq!(value(&docs[2], "id_number"), None);
        // Nor is a card with no name beside its number.
        let card = with_unsure(Fields::default(), &[("id_number", "001090000001")]);
        let mut docs = vec![person("001090000001"), card];
        agree(&mut docs);
        assert_eq!(value(&docs[1], "id_number"), None);
    }

    #[test]
    fn a_birth_date_needs_two_readings_that_outnumber_the_others() {
        let person = |date: &str| {
            doc(&[
                ("full_name", "Hà Hoài Linh", "label", ""),
                ("date_of_birth", date, "label", ""),
            ])
        };
        let mut two = vec![
            person("03/04/1964"),
            person("03/04/1963"),
            person("03/04/1964"),
        ];
        agree(&mut two);
        assert!(
            two.iter()
                .all(|d| value(d, "date_of_birth") == Some("03/04/1964"))
        );
        let mut tied = vec![person("03/04/1964"), person("03/04/1963")];
        agree(&mut tied);
        assert_eq!(value(&tied[1], "date_of_birth"), Some("03/04/1963"));
    }
}
