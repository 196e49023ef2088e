//! Classify: give each document a type from the taxonomy, with a confidence
//! and a reason a person can read (key fields are [`crate::fields`]).
//!
//! OCR text is imperfect (lost or wrong diacritics, split words), the
//! national motto heads almost every document, and the receipt's table
//! lists the names of the other documents. So a heading is looked for only
//! in the upper part of a page, only on lines printed in capitals, and is
//! compared after folding diacritics, by edit-distance similarity of the
//! line's start, not by exact search.

use crate::fold::fold;
use crate::ocr::{Line, PageText};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The default taxonomy shipped with sohoa.
pub const DEFAULT_TAXONOMY: &str = include_str!("../taxonomy/default.toml");

/// The type given when no heading is recognised.
pub const OTHER: &str = "other";

/// Lines in this upper share of the page are the heading area.
const HEADING_AREA: f32 = 0.45;

#[derive(Debug, thiserror::Error)]
pub enum TaxonomyError {
    #[error("cannot read taxonomy {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("taxonomy {path} is not valid: {message}")]
    Invalid { path: String, message: String },
}

#[derive(Debug, Clone, Deserialize)]
pub struct Taxonomy {
    pub threshold: f32,
    pub types: Vec<DocType>,
    #[serde(skip)]
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DocType {
    pub id: String,
    pub name: String,
    pub headings: Vec<String>,
    /// Phrases and field labels of the body that this type prints and
    /// others do not.
    #[serde(default)]
    pub phrases: Vec<String>,
}

impl Taxonomy {
    pub fn default_set() -> Taxonomy {
        Taxonomy::parse(DEFAULT_TAXONOMY, "default").expect("the shipped taxonomy is valid")
    }

    pub fn load(path: &Path) -> Result<Taxonomy, TaxonomyError> {
        let text = std::fs::read_to_string(path).map_err(|source| TaxonomyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Taxonomy::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, source: &str) -> Result<Taxonomy, TaxonomyError> {
        let invalid = |message: String| TaxonomyError::Invalid {
            path: source.to_string(),
            message,
        };
        let mut t: Taxonomy = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if !(0.0..=1.0).contains(&t.threshold) {
            return Err(invalid("threshold must be between 0 and 1".into()));
        }
        if t.types.is_empty() {
            return Err(invalid("no [[types]]".into()));
        }
        for ty in &t.types {
            if ty.headings.iter().any(|h| fold(h).is_empty()) || ty.headings.is_empty() {
                return Err(invalid(format!(
                    "type '{}' needs non-empty headings",
                    ty.id
                )));
            }
        }
        t.source = source.to_string();
        Ok(t)
    }
}

/// Similarity (0..1) of `pattern` to the start of `text` (both folded):
/// the best normalised edit distance over prefixes of about the pattern's length.
pub fn prefix_similarity(text: &str, pattern: &str) -> f32 {
    let p: Vec<char> = pattern.chars().collect();
    let n = p.len();
    if n == 0 || text.is_empty() {
        return 0.0;
    }
    let slack = (n / 8).max(2);
    let t: Vec<char> = text.chars().take(n + slack).collect();
    let distances = prefix_distances(&t, &p);
    (n.saturating_sub(slack).max(1)..distances.len())
        .map(|len| 1.0 - distances[len] as f32 / n.max(len) as f32)
        .fold(0.0, f32::max)
}

/// The edit distance from `pattern` to every prefix of `text`:
/// `out[len]` = levenshtein(`text[..len]`, `pattern`), all from one table.
fn prefix_distances(text: &[char], pattern: &[char]) -> Vec<usize> {
    // `column[j]`: the distance from text[..i] to pattern[..j], row by row.
    let mut column: Vec<usize> = (0..=pattern.len()).collect();
    let mut out = Vec::with_capacity(text.len() + 1);
    out.push(pattern.len());
    for (i, &c) in text.iter().enumerate() {
        let mut diagonal = column[0];
        column[0] = i + 1;
        for (j, &pc) in pattern.iter().enumerate() {
            let substitute = diagonal + usize::from(c != pc);
            diagonal = column[j + 1];
            column[j + 1] = substitute.min(column[j] + 1).min(diagonal + 1);
        }
        out.push(column[pattern.len()]);
    }
    out
}

/// A document's title stands within this many lines under the motto.
const TITLE_LINES: usize = 4;

/// The national motto or its second line (folded).
fn is_motto(folded: &str) -> bool {
    contains_similarity(folded, MOTTO) >= 0.8
        || contains_similarity(folded, "DOC LAP TU DO HANH PHUC") >= 0.8
}

/// Short, without digits, starting with a capital: a title, not a
/// sentence, a date or a numbered field.
fn is_title_like(raw: &str) -> bool {
    raw.split_whitespace().count() <= 15
        && !raw.chars().any(|c| c.is_ascii_digit())
        && raw
            .chars()
            .find(|c| c.is_alphabetic())
            .is_some_and(char::is_uppercase)
}

/// A line of a list ("- Giấy ủy quyền", "+ Bản sao …", "• …"): an item
/// naming a document, never the title of one.
fn is_list_item(raw: &str) -> bool {
    raw.trim_start().starts_with(LIST_MARKS)
}

/// The marks a list item starts with.
const LIST_MARKS: [char; 6] = ['-', '+', '•', '*', '–', '·'];

/// A line's text without the specks OCR read before it ("ộ TỜ KHAI CẤP",
/// ". CĂN CƯỚC", "N2 CĂN CƯỚC"): leading one-character words that are
/// neither capitals nor digits, and two-character words of a letter and a
/// digit other than those OCR reads for letters (0, 1, 5, 8): no
/// Vietnamese word mixes them (an emblem or a stamp's edge).
fn without_leading_specks(raw: &str) -> &str {
    let mut rest = raw.trim_start();
    while let Some((first, tail)) = rest.split_once(char::is_whitespace) {
        let mut chars = first.chars();
        let speck = match (chars.next(), chars.next(), chars.next()) {
            (Some(c), None, _) => !c.is_uppercase() && !c.is_ascii_digit(),
            // Not a digit OCR reads for a letter ("T0" is "TỜ").
            (Some(a), Some(b), None) => {
                let digit = |c: char| c.is_ascii_digit() && !"0158".contains(c);
                (a.is_alphabetic() && digit(b)) || (digit(a) && b.is_alphabetic())
            }
            _ => false,
        };
        if !speck || tail.trim().is_empty() {
            break;
        }
        rest = tail.trim_start();
    }
    rest
}

/// Whether a candidate line (folded) starts with the heading's first word
/// as OCR may spoil it: half its letters at least alike ("GLAY"), run
/// into the next word or after a speck ("TOKHAI", "I GIAY"), or lost (the
/// line starts with the heading's second word). The rest of a heading can
/// read alike under another first word: "NGƯỜI TIẾP NHẬN HỒ SƠ", a
/// receipt's signature block, is no "GIẤY TIẾP NHẬN HỒ SƠ".
fn same_first_word(line: &str, heading: &str) -> bool {
    let (first, rest) = heading.split_once(' ').unwrap_or((heading, ""));
    let line_first = line.split(' ').next().unwrap_or_default();
    strsim::normalized_levenshtein(line_first, first) >= 0.5
        || prefix_similarity(&line.replace(' ', ""), first) >= 0.75
        || (!rest.is_empty() && prefix_similarity(line, rest) >= 0.8)
}

/// Similarity (0..1) of the whole of `text` to `pattern` (both folded):
/// strsim's normalised edit distance.
pub fn whole_similarity(text: &str, pattern: &str) -> f32 {
    strsim::normalized_levenshtein(text, pattern) as f32
}

/// Share of letters that are capitals.
fn upper_share(s: &str) -> f32 {
    let (mut up, mut letters) = (0, 0);
    for c in s.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        if c.is_uppercase() {
            up += 1;
        }
    }
    if letters == 0 {
        0.0
    } else {
        up as f32 / letters as f32
    }
}

/// A heading recognised on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadingMatch {
    pub type_id: String,
    pub heading: String,
    /// The OCR text that matched.
    pub found: String,
    pub similarity: f32,
}

const MOTTO: &str = "CONG HOA XA HOI CHU NGHIA VIET NAM";

/// Lines in the page's heading area, in order.
/// Lines with fewer than three letters (specks, rules, stamp fragments)
/// are left out, so that a heading wrapped over two lines is still joined.
fn heading_lines(text: &PageText, page_height: u32) -> Vec<&Line> {
    let limit = (page_height as f32 * HEADING_AREA) as u32;
    text.lines
        .iter()
        .filter(|l| l.bbox[1] <= limit)
        .filter(|l| {
            l.words
                .iter()
                .flat_map(|w| w.text.chars())
                .filter(|c| c.is_alphabetic())
                .count()
                >= 3
        })
        .collect()
}

/// Similarity of `pattern` to the best-matching place in `text` that
/// starts at a word (both folded).
pub fn contains_similarity(text: &str, pattern: &str) -> f32 {
    let mut best = prefix_similarity(text, pattern);
    for (i, _) in text.match_indices(' ') {
        best = best.max(prefix_similarity(&text[i + 1..], pattern));
    }
    best
}

/// Does the page's heading area carry the national motto (the usual top of
/// a document's first page)?
pub fn has_motto(text: &PageText, page_height: u32) -> bool {
    heading_lines(text, page_height)
        .iter()
        .any(|l| contains_similarity(&fold(&l.text()), MOTTO) >= 0.8)
}

/// A line's text as a heading candidate: without the specks read before
/// it; `None` for a list item, which names a document and is never its
/// title. Just under the national motto (`under_motto`) stands the
/// title, never a list: a dash there is a speck ("-TỜ KHAI CẤP").
fn candidate_text(full: &str, under_motto: bool) -> Option<String> {
    let full = match is_list_item(full) {
        true if under_motto => full.trim_start().trim_start_matches(LIST_MARKS),
        true => return None,
        false => full,
    };
    Some(without_leading_specks(full).to_string())
}

/// How a heading candidate ranks: over the threshold, in capitals, on
/// an earlier line, longer (see [`find_heading`]).
type HeadingRank = (bool, bool, std::cmp::Reverse<usize>, f32);

/// Find the best heading of the taxonomy on a page, if any reaches `min_similarity`.
pub fn find_heading(
    tax: &Taxonomy,
    text: &PageText,
    page_height: u32,
    min_similarity: f32,
) -> Option<HeadingMatch> {
    let lines = heading_lines(text, page_height);
    let mut best: Option<(HeadingRank, HeadingMatch)> = None;
    let motto = lines.iter().position(|l| is_motto(&fold(&l.text())));
    for (i, line) in lines.iter().enumerate() {
        let under_motto = motto.is_some_and(|m| i > m && i <= m + TITLE_LINES);
        let Some(raw) = candidate_text(&line.text(), under_motto) else {
            continue;
        };
        // In capitals, a heading may start a longer line. In any other
        // case it must be the whole line, or start a short title line
        // just under the national motto, so that a sentence or a table
        // row naming a document is no heading.
        let capitals = upper_share(&raw) >= 0.7;
        let title = under_motto && is_title_like(&raw);
        let similarity = if capitals || title {
            prefix_similarity
        } else {
            whole_similarity
        };
        let one = fold(&raw);
        if one.len() < 4 {
            continue;
        }
        // A heading may wrap onto the next line.
        let two = lines
            .get(i + 1)
            .filter(|n| (upper_share(&n.text()) >= 0.7) == capitals)
            .map(|n| format!("{one} {}", fold(&n.text())));
        for ty in &tax.types {
            for h in &ty.headings {
                let hf = fold(h);
                let mut sim = similarity(&one, &hf);
                let mut found = raw.clone();
                if let Some(two) = &two {
                    let s2 = similarity(two, &hf);
                    if s2 > sim {
                        sim = s2;
                        found = format!("{raw} / {}", lines[i + 1].text());
                    }
                }
                if sim < min_similarity || !same_first_word(&one, &hf) {
                    continue;
                }
                // A heading over the threshold beats any below it, one in
                // capitals one in sentence case; among those, the first
                // line wins (a title wrapped as "ĐƠN ĐỀ NGHỊ CẤP LẠI" /
                // "GIẤY CHỨNG NHẬN …" is an application, not the
                // certificate it names), and on one line the longest
                // heading matching well is the most specific.
                let rank = (
                    sim >= tax.threshold,
                    capitals,
                    std::cmp::Reverse(i),
                    sim * hf.len() as f32,
                );
                if best.as_ref().is_none_or(|(r, _)| rank > *r) {
                    best = Some((
                        rank,
                        HeadingMatch {
                            type_id: ty.id.clone(),
                            heading: h.clone(),
                            found,
                            similarity: sim,
                        },
                    ));
                }
            }
        }
    }
    best.map(|(_, m)| m)
}

/// The decision for one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub type_id: String,
    pub title: Option<String>,
    pub confidence: f32,
    pub reason: String,
    pub needs_review: bool,
}

/// Phrases of a type's body a phrase must match this well.
const PHRASE_MATCH: f32 = 0.85;
/// Phrases of another type that outvote a heading whose own type's
/// phrases are absent (the document goes to review).
const CONTRADICTING_PHRASES: usize = 3;
/// Phrases that type a document whose heading could not be read (for
/// review), when no other type has half as many.
const BODY_ONLY_PHRASES: usize = 3;

/// Which of each type's [`DocType::phrases`] a document's text carries
/// (folded, any case, tolerant of OCR errors): type id to phrases found.
pub fn body_phrases(tax: &Taxonomy, pages: &[&PageText]) -> BTreeMap<String, Vec<String>> {
    let lines: Vec<String> = pages
        .iter()
        .flat_map(|p| p.lines.iter().map(|l| fold(&l.text())))
        .filter(|l| !l.is_empty())
        .collect();
    let mut found = BTreeMap::new();
    for ty in &tax.types {
        let hits: Vec<String> = ty
            .phrases
            .iter()
            .filter(|ph| {
                let f = fold(ph);
                !f.is_empty() && lines.iter().any(|l| phrase_in(l, &f))
            })
            .cloned()
            .collect();
        if !hits.is_empty() {
            found.insert(ty.id.clone(), hits);
        }
    }
    found
}

/// Is the folded `phrase` in the folded `line`: exactly, at word
/// boundaries, or (phrases of 8 letters and more) within
/// [`PHRASE_MATCH`] over a run of as many words?
fn phrase_in(line: &str, phrase: &str) -> bool {
    if format!(" {line} ").contains(&format!(" {phrase} ")) {
        return true;
    }
    if phrase.len() < 8 {
        return false;
    }
    let words: Vec<&str> = line.split(' ').collect();
    let n = phrase.split(' ').count();
    let letters = Letters::of(phrase);
    (0..words.len().saturating_sub(n - 1).max(1)).any(|i| {
        let run = words[i..(i + n).min(words.len())].join(" ");
        letters.may_match(&run, PHRASE_MATCH) && whole_similarity(&run, phrase) >= PHRASE_MATCH
    })
}

/// A text's characters counted (in 64 bins, which keeps folded text's
/// letters, digits and space apart): a cheap upper bound on how similar
/// another text can be to it, so that most runs of words are passed over
/// without an edit distance (the classifier's largest cost).
struct Letters {
    bins: [u16; 64],
    len: usize,
}

impl Letters {
    fn of(text: &str) -> Letters {
        let mut bins = [0u16; 64];
        let mut len = 0;
        for c in text.chars() {
            bins[(c as usize) & 63] = bins[(c as usize) & 63].saturating_add(1);
            len += 1;
        }
        Letters { bins, len }
    }

    /// Whether `other` can reach `min` normalised similarity to this text:
    /// every edit leaves at least one character of the longer text
    /// unmatched, and at most the characters the two share can match, so
    /// the edit distance is at least the longer length less those.
    fn may_match(&self, other: &str, min: f32) -> bool {
        let theirs = Letters::of(other);
        let shared: usize = self
            .bins
            .iter()
            .zip(&theirs.bins)
            .map(|(a, b)| *a.min(b) as usize)
            .sum();
        let longer = self.len.max(theirs.len);
        longer == 0 || 1.0 - (longer - shared) as f32 / longer as f32 >= min
    }
}

/// What a document shows of its type.
pub struct Evidence<'a> {
    /// The heading found on its first page, if any.
    pub heading: Option<&'a HeadingMatch>,
    /// Its body's phrases, by type ([`body_phrases`]).
    pub phrases: BTreeMap<String, Vec<String>>,
    /// Whether a page carries an ID card's own QR code.
    pub id_card_qr: bool,
    /// Its first page's number in the batch, for the reason.
    pub first_page: u32,
}

impl Evidence<'_> {
    fn count(&self, type_id: &str) -> usize {
        self.phrases.get(type_id).map_or(0, Vec::len)
    }

    /// The type whose phrases the body carries most, other than `except`,
    /// with their count.
    fn body_leader(&self, except: Option<&str>) -> Option<(&str, usize)> {
        leader(&self.phrases, except)
    }

    fn named(&self, type_id: &str) -> String {
        match self.phrases.get(type_id) {
            Some(p) => format!(
                "{} phrase(s) of its body: \"{}\"",
                p.len(),
                p.join("\", \"")
            ),
            None => "none of its body's phrases".into(),
        }
    }
}

/// The type whose phrases (by type, as [`body_phrases`] gives them) a body
/// carries most, other than `except`, with their count.
fn leader<'a>(
    phrases: &'a BTreeMap<String, Vec<String>>,
    except: Option<&str>,
) -> Option<(&'a str, usize)> {
    phrases
        .iter()
        .filter(|(t, _)| Some(t.as_str()) != except)
        .map(|(t, p)| (t.as_str(), p.len()))
        .max_by_key(|(_, n)| *n)
}

/// The type a body clearly carries: the one with most phrases, at least
/// `min` of them, when no other type has half as many. The one rule by
/// which a document whose heading was not read is typed ([`decide`]) or
/// taken for the receipt (the pipeline's case-code search).
pub fn body_leads(phrases: &BTreeMap<String, Vec<String>>, min: usize) -> Option<(&str, usize)> {
    let (top, n) = leader(phrases, None)?;
    (n >= min && leader(phrases, Some(top)).is_none_or(|(_, m)| 2 * m < n)).then_some((top, n))
}

/// Decide a document's type from all its evidence: the heading on its
/// first page, the phrases of its body, and an ID card's own QR code.
///
/// - A heading over the threshold gives the type; without review when
///   the body does not contradict it (another type's phrases, at least
///   [`CONTRADICTING_PHRASES`] of them, and none of the heading type's).
/// - An ID card's QR code gives `id_card`.
/// - Otherwise a body that clearly carries one type's phrases gives
///   that type, for review; and failing that, `other`, for review.
pub fn decide(tax: &Taxonomy, ev: &Evidence) -> Decision {
    let page = ev.first_page;
    if let Some(h) = ev.heading.filter(|h| h.similarity >= tax.threshold) {
        return by_heading(h, ev);
    }
    if ev.id_card_qr && tax.types.iter().any(|t| t.id == "id_card") {
        return Decision {
            type_id: "id_card".into(),
            title: ev.heading.map(|h| h.found.clone()),
            confidence: 0.9,
            reason: format!(
                "page {page} carries an ID card's QR code (12-digit ID, name, birth date)"
            ),
            needs_review: false,
        };
    }
    if let Some((leader, n)) = body_leads(&ev.phrases, BODY_ONLY_PHRASES) {
        return Decision {
            type_id: leader.to_string(),
            title: ev.heading.map(|h| h.found.clone()),
            confidence: round2(0.5 + 0.05 * n.min(8) as f32),
            reason: format!(
                "no heading read on page {page}; the body carries {}",
                ev.named(leader)
            ),
            needs_review: true,
        };
    }
    match ev.heading {
        Some(h) => Decision {
            type_id: OTHER.into(),
            title: Some(h.found.clone()),
            confidence: round2(h.similarity),
            reason: format!(
                "closest heading \"{}\" on page {page} is only {:.0}% similar to \"{}\" ({}); below the {:.0}% threshold",
                h.found,
                h.similarity * 100.0,
                h.heading,
                h.type_id,
                tax.threshold * 100.0
            ),
            needs_review: true,
        },
        None => Decision {
            type_id: OTHER.into(),
            title: None,
            confidence: 0.0,
            reason: format!("no known heading found on page {page}"),
            needs_review: true,
        },
    }
}

/// The type a heading over the threshold gives, checked against the body.
fn by_heading(h: &HeadingMatch, ev: &Evidence) -> Decision {
    let own = ev.count(&h.type_id);
    let rival = ev
        .body_leader(Some(&h.type_id))
        .filter(|(_, n)| own == 0 && *n >= CONTRADICTING_PHRASES);
    let card = ev.id_card_qr && h.type_id == "id_card";
    let confidence = match (card, rival, own) {
        (true, _, _) => 0.99,
        (_, Some(_), _) => 0.5 * h.similarity,
        (_, None, 0) => 0.9 * h.similarity,
        (_, None, n) => (h.similarity + 0.02 * n.min(4) as f32).min(0.99),
    };
    let mut reason = format!(
        "heading \"{}\" on page {} matches \"{}\" ({:.0}% similar); {}",
        h.found,
        ev.first_page,
        h.heading,
        h.similarity * 100.0,
        ev.named(&h.type_id)
    );
    if let Some((other, _)) = rival {
        reason += &format!(
            "; but the body carries {} of {other}: check the type",
            ev.named(other)
        );
    }
    Decision {
        type_id: h.type_id.clone(),
        title: Some(h.found.clone()),
        confidence: round2(confidence),
        reason,
        needs_review: rival.is_some() && !card,
    }
}

fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

/// Is this QR payload an ID card's (`<12 digits>|<old id>|<name>|<ddmmyyyy>|...`)?
pub fn id_card_qr(data: &str) -> Option<BTreeMap<String, String>> {
    let parts: Vec<&str> = data.split('|').collect();
    if parts.len() < 4 || parts[0].len() != 12 || !parts[0].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut f = BTreeMap::new();
    f.insert("id_number".into(), parts[0].to_string());
    if !parts[2].trim().is_empty() {
        f.insert(
            "full_name".into(),
            crate::fields::title_case(parts[2].trim()),
        );
    }
    let d = parts[3];
    if d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()) {
        f.insert(
            "date_of_birth".into(),
            format!("{}/{}/{}", &d[0..2], &d[2..4], &d[4..8]),
        );
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_distances_are_the_edit_distances_of_every_prefix() {
        let texts = [
            "TO KHAI DANG KY KHAI SINH",
            "GIAY KHAI SINH",
            "",
            "T0 KHA1",
            "ĐƠN ĐỀ NGHỊ",
        ];
        let patterns = ["TO KHAI", "GIAY KHAI SINH", "DON DE NGHI", "X"];
        for text in texts {
            for pattern in patterns {
                let (t, p): (Vec<char>, Vec<char>) =
                    (text.chars().collect(), pattern.chars().collect());
                let d = prefix_distances(&t, &p);
                for (len, got) in d.iter().enumerate() {
                    let prefix: String = t[..len].iter().collect();
                    assert_eq!(
                        *got,
                        strsim::levenshtein(&prefix, pattern),
                        "{text:?}[..{len}] / {pattern:?}"
                    );
                }
            }
        }
        assert!((prefix_similarity("TO KHAI DANG KY", "TO KHAI") - 1.0).abs() < 1e-6);
        assert!(prefix_similarity("GIAY UY QUYEN", "TO KHAI") < 0.5);
    }

    fn page(lines: &[&str]) -> PageText {
        PageText::of_lines(lines)
    }

    #[test]
    fn heading_matches_despite_ocr_errors() {
        let t = Taxonomy::default_set();
        let p = page(&[
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "GIAY UY QUYÊN",
        ]);
        let m = find_heading(&t, &p, 2000, 0.5).unwrap();
        assert_eq!(m.type_id, "power_of_attorney");
        assert!(has_motto(&p, 2000));
    }

    #[test]
    fn a_speck_before_a_wrapped_title_does_not_hide_it() {
        let t = Taxonomy::default_set();
        let p = page(&[
            "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "ộ TỜ KHAI CẤP",
            "GIẦY XÁC NHẬN TÌNH TRANG HÔN NHÂN",
        ]);
        let m = find_heading(&t, &p, 2000, 0.5).unwrap();
        assert_eq!(m.type_id, "application_form", "{m:?}");
        // A dash read before the title, just under the motto, is a speck;
        // further down, a dash starts a list item that names a document.
        let dash = |first: &str| {
            let p = page(&[
                "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "Độc lập - Tự do - Hạnh phúc",
                first,
                ".GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
            ]);
            find_heading(&t, &p, 2000, 0.5).map(|m| m.type_id)
        };
        assert_eq!(dash("-TỜ KHAI CẤP").as_deref(), Some("application_form"));
        let p = page(&["Giấy tờ kèm theo:", "- TỜ KHAI CẤP GIẤY XÁC NHẬN"]);
        assert_eq!(find_heading(&t, &p, 2000, 0.5), None);
        assert_eq!(without_leading_specks(". , CĂN CƯỚC"), "CĂN CƯỚC");
        assert_eq!(without_leading_specks("Ở TỔ 5"), "Ở TỔ 5");
        assert_eq!(
            without_leading_specks("N2 CĂN CƯỚC CÔNG DÂN"),
            "CĂN CƯỚC CÔNG DÂN"
        );
        // A number, a word of two letters, or one whose digit OCR reads
        // for a letter ("T0": "TỜ") is no speck.
        assert_eq!(without_leading_specks("T0 KHAI"), "T0 KHAI");
        assert_eq!(without_leading_specks("12 TỔ"), "12 TỔ");
        assert_eq!(without_leading_specks("TỜ KHAI"), "TỜ KHAI");
    }

    #[test]
    fn a_signature_block_under_a_receipt_is_no_heading() {
        let t = Taxonomy::default_set();
        let p = page(&[
            "NGƯỜI TIẾP NHẬN HỒ SƠ NGƯỜI NỘP HỒ SƠ",
            "(Ký và ghi rõ họ tên)",
        ]);
        assert_eq!(find_heading(&t, &p, 2000, 0.5), None);
        // The heading's own first word, a letter spoiled or run into the
        // next, still starts it.
        for line in [
            "GLẤY TIẾP NHẬN HỒ SƠ",
            "GIẤYTIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            "I GIẤY TIẾP NHẬN HỒ SƠ",
            "TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        ] {
            let m = find_heading(&t, &page(&[line]), 2000, 0.5);
            assert_eq!(m.map(|m| m.type_id).as_deref(), Some("receipt"), "{line}");
        }
    }

    #[test]
    fn most_specific_heading_wins() {
        let t = Taxonomy::default_set();
        let p = page(&["ĐƠN ĐỀ NGHỊ CẤP GIẤY PHÉP XÂY DỰNG"]);
        assert_eq!(
            find_heading(&t, &p, 2000, 0.5).unwrap().type_id,
            "construction_permit_application"
        );
        let p = page(&["ĐƠN ĐỀ NGHỊ CẤP ĐỔI, CẤP LẠI GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT"]);
        assert_eq!(
            find_heading(&t, &p, 2000, 0.5).unwrap().type_id,
            "application_form"
        );
    }

    #[test]
    fn the_first_line_of_a_wrapped_title_says_what_the_document_is() {
        let t = Taxonomy::default_set();
        let p = page(&[
            "ĐƠN ĐỀ NGHỊ CẤP ĐỔI, CẤP LẠI",
            "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU",
        ]);
        assert_eq!(
            find_heading(&t, &p, 2000, 0.5).unwrap().type_id,
            "application_form"
        );
    }

    #[test]
    fn a_list_item_naming_a_document_is_no_heading() {
        let t = Taxonomy::default_set();
        let p = page(&[
            "- Giấy ủy quyền",
            "+ Bản sao Giấy chứng nhận quyền sử dụng đất",
        ]);
        assert!(find_heading(&t, &p, 2000, 0.5).is_none());
    }

    #[test]
    fn wrapped_heading_is_joined() {
        let t = Taxonomy::default_set();
        let p = page(&["GIẤY CHỨNG NHẬN", "QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU NHÀ Ở"]);
        assert_eq!(
            find_heading(&t, &p, 2000, 0.5).unwrap().type_id,
            "land_use_certificate"
        );
    }

    #[test]
    fn sentences_naming_a_document_are_not_headings() {
        let t = Taxonomy::default_set();
        let p = page(&["Kèm theo bản sao giấy ủy quyền số 12 ngày 3/4/2024"]);
        assert!(find_heading(&t, &p, 2000, 0.5).is_none());
    }

    #[test]
    fn a_title_in_sentence_case_is_a_heading_and_capitals_win() {
        let t = Taxonomy::default_set();
        let p = page(&["Trích lục khai sinh"]);
        assert_eq!(
            find_heading(&t, &p, 2000, 0.5).unwrap().type_id,
            "birth_certificate"
        );
        // Under the motto, a title in sentence case may go on.
        let p = page(&[
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Tờ khai cấp giấy xác nhận tình trạng hôn nhân",
        ]);
        assert_eq!(
            find_heading(&t, &p, 2000, 0.5).unwrap().type_id,
            "application_form"
        );
        // A receipt's table lists the documents handed in, in sentence
        // case, under the receipt's own heading in capitals.
        let p = page(&["GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Giấy ủy quyền"]);
        assert_eq!(find_heading(&t, &p, 2000, 0.5).unwrap().type_id, "receipt");
    }

    fn evidence<'a>(h: Option<&'a HeadingMatch>, text: &PageText) -> Evidence<'a> {
        Evidence {
            heading: h,
            phrases: body_phrases(&Taxonomy::default_set(), &[text]),
            id_card_qr: false,
            first_page: 1,
        }
    }

    #[test]
    fn a_heading_the_body_agrees_with_is_typed_without_review() {
        let t = Taxonomy::default_set();
        let p = page(&[
            "GIẤY ỦY QUYỀN",
            "Bên ủy quyền: Ông Lê Văn A",
            "Nội dung uỷ quyền:",
        ]);
        let h = find_heading(&t, &p, 2000, 0.5).unwrap();
        let d = decide(&t, &evidence(Some(&h), &p));
        assert_eq!(d.type_id, "power_of_attorney");
        assert!(!d.needs_review);
        assert!(d.reason.contains("Bên ủy quyền"), "{}", d.reason);
    }

    #[test]
    fn a_body_of_another_type_sends_the_heading_to_review() {
        let t = Taxonomy::default_set();
        let p = page(&[
            "TỜ KHAI",
            "Số định danh cá nhân: 001094002978",
            "Quê quán / Place of origin",
            "Có giá trị đến / Date of expiry",
        ]);
        let h = find_heading(&t, &p, 2000, 0.5).unwrap();
        let d = decide(&t, &evidence(Some(&h), &p));
        assert_eq!(d.type_id, "application_form");
        assert!(d.needs_review, "{}", d.reason);
    }

    #[test]
    fn a_body_alone_types_for_review() {
        let t = Taxonomy::default_set();
        let p = page(&[
            "Bên chuyển nhượng (Bên A): ông Trần Văn B",
            "Bên nhận chuyển nhượng (Bên B): bà Lê Thị C",
            "Giá chuyển nhượng và phương thức thanh toán",
        ]);
        let d = decide(&t, &evidence(None, &p));
        assert_eq!(d.type_id, "transfer_contract");
        assert!(d.needs_review);
        // OCR errors in a phrase are tolerated.
        assert!(phrase_in(
            &fold("Ben nhan chuyen nhuong (Ben B)"),
            &fold("Bên nhận chuyển nhượng")
        ));
        assert!(phrase_in(
            &fold("Bén nhận chuyến nhượng"),
            &fold("Bên nhận chuyển nhượng")
        ));
    }

    #[test]
    fn the_letter_count_bound_never_passes_over_a_run_that_matches() {
        // Every phrase of the taxonomy, spoiled as OCR spoils text (letters
        // changed, lost, added, words run together): wherever the edit
        // distance says the run matches, the bound lets it through; and it
        // passes over runs that are far off.
        let t = Taxonomy::default_set();
        let mut state = 7u32;
        let mut next = |n: usize| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as usize % n.max(1)
        };
        let (mut matched, mut passed_over) = (0, 0);
        for phrase in t.types.iter().flat_map(|ty| &ty.phrases).map(|p| fold(p)) {
            for _ in 0..40 {
                let mut run: Vec<char> = phrase.chars().collect();
                for _ in 0..next(6) {
                    let at = next(run.len());
                    match next(4) {
                        0 => run[at] = (b'A' + next(26) as u8) as char,
                        1 if run.len() > 1 => {
                            run.remove(at);
                        }
                        2 => run.insert(at, (b'0' + next(10) as u8) as char),
                        _ => run[at] = ' ',
                    }
                }
                let run: String = run.into_iter().collect();
                let bound = Letters::of(&phrase).may_match(&run, PHRASE_MATCH);
                if whole_similarity(&run, &phrase) >= PHRASE_MATCH {
                    matched += 1;
                    assert!(bound, "{run:?} matches {phrase:?}");
                } else if !bound {
                    passed_over += 1;
                }
            }
        }
        assert!(
            matched > 100 && passed_over > 100,
            "{matched} {passed_over}"
        );
        assert!(!Letters::of("BEN NHAN CHUYEN NHUONG").may_match("GIAY TO KEM THEO", 0.85));
    }

    #[test]
    fn weak_match_means_other_and_review() {
        let t = Taxonomy::default_set();
        let h = HeadingMatch {
            type_id: "power_of_attorney".into(),
            heading: "GIẤY ỦY QUYỀN".into(),
            found: "BÊN ỦY QUYỀN".into(),
            similarity: 0.6,
        };
        let d = decide(
            &t,
            &Evidence {
                heading: Some(&h),
                phrases: BTreeMap::new(),
                id_card_qr: false,
                first_page: 3,
            },
        );
        assert_eq!(d.type_id, OTHER);
        assert!(d.needs_review);
        assert!(d.reason.contains("below"));
    }

    #[test]
    fn id_card_qr_payload() {
        let f = id_card_qr("056194131970||Lê Thùy Lan|25081994|Nữ|Số 53|06062022").unwrap();
        assert_eq!(f["full_name"], "Lê Thùy Lan");
        assert_eq!(f["date_of_birth"], "25/08/1994");
        assert!(id_card_qr("000.00.13.H04-210628-0001").is_none());
    }
}
