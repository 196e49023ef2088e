//! Split: group a batch's content pages into documents.
//!
//! A new document starts at a page that carries a known heading, the
//! national motto at its top, or an ID card's QR code; at a page whose
//! body is clearly another type's (at least [`NEW_BODY_PHRASES`] phrases
//! of one type, none of the current document's); after a separator sheet;
//! and at the first content page. Every other content page continues
//! the current document. A file boundary alone is not a document boundary:
//! one document may span two files. Blank pages and separators belong to
//! no document; they are listed as skipped.

use crate::classify::{self, HeadingMatch, Taxonomy};
use crate::ocr::PageText;
use std::collections::BTreeMap;

/// What a page is, for splitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    Content,
    Blank,
    Separator,
}

/// The facts about one page that splitting needs.
pub struct PageFacts<'a> {
    pub kind: PageKind,
    pub text: &'a PageText,
    pub height: u32,
    pub qr: &'a [String],
}

/// One document: the indices (into the batch's pages) of its content pages.
#[derive(Debug, Clone)]
pub struct Group {
    pub pages: Vec<usize>,
    /// The heading found on the first page (strong or weak).
    pub heading: Option<HeadingMatch>,
    /// Fields from an ID card's QR code on one of its pages.
    pub id_card: Option<BTreeMap<String, String>>,
    /// The body phrases its pages carry, by type
    /// ([`classify::body_phrases`], read once a page and merged here).
    pub phrases: BTreeMap<String, Vec<String>>,
}

impl Group {
    /// Add a page's phrases to the document's, each phrase once, in the
    /// taxonomy's order per page.
    fn add_phrases(&mut self, page: BTreeMap<String, Vec<String>>) {
        for (ty, found) in page {
            let mine = self.phrases.entry(ty).or_default();
            for ph in found {
                if !mine.contains(&ph) {
                    mine.push(ph);
                }
            }
        }
    }
}

/// Weakest heading similarity still reported (for `other` documents' reasons).
const WEAK_HEADING: f32 = 0.55;

/// Phrases of one type on a page (and none of the current document's
/// type) that start a new document without a heading.
pub const NEW_BODY_PHRASES: usize = 3;

/// The type a page's body speaks for: the type with most phrases on it,
/// when it has at least [`NEW_BODY_PHRASES`]; with all the page's phrases.
fn body_type(tax: &Taxonomy, text: &PageText) -> (Option<String>, BTreeMap<String, Vec<String>>) {
    let found = classify::body_phrases(tax, &[text]);
    let leader = found
        .iter()
        .max_by_key(|(_, p)| p.len())
        .filter(|(_, p)| p.len() >= NEW_BODY_PHRASES)
        .map(|(t, _)| t.clone());
    (leader, found)
}

pub fn split(tax: &Taxonomy, pages: &[PageFacts]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut open = false;
    // The type the current document speaks for (heading, else body).
    let mut current: Option<String> = None;
    for (i, p) in pages.iter().enumerate() {
        match p.kind {
            PageKind::Separator => open = false,
            PageKind::Blank => {}
            PageKind::Content => {
                let heading = classify::find_heading(tax, p.text, p.height, WEAK_HEADING);
                let strong = heading
                    .as_ref()
                    .filter(|h| h.similarity >= tax.threshold)
                    .map(|h| h.type_id.clone());
                let id_card = p.qr.iter().find_map(|q| classify::id_card_qr(q));
                let (body, phrases) = body_type(tax, p.text);
                let other_body = body.is_some()
                    && body != current
                    && current.as_ref().is_some_and(|c| !phrases.contains_key(c));
                let starts = !open
                    || strong.is_some()
                    || id_card.is_some()
                    || other_body
                    || classify::has_motto(p.text, p.height);
                if starts {
                    current = strong.or(body);
                    groups.push(Group {
                        pages: vec![i],
                        heading,
                        id_card,
                        phrases,
                    });
                    open = true;
                } else if let Some(g) = groups.last_mut() {
                    current = current.or(body);
                    g.pages.push(i);
                    g.add_phrases(phrases);
                    if g.id_card.is_none() {
                        g.id_card = id_card;
                    }
                }
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocr::{Line, Word};

    fn text(lines: &[&str]) -> PageText {
        PageText {
            lines: lines
                .iter()
                .enumerate()
                .map(|(i, l)| Line {
                    words: vec![Word {
                        text: l.to_string(),
                        bbox: [0, i as u32 * 40, 10, i as u32 * 40 + 30],
                        conf: 90.0,
                    }],
                    bbox: [0, i as u32 * 40, 100, i as u32 * 40 + 30],
                })
                .collect(),
        }
    }

    #[test]
    fn headings_separators_and_continuations() {
        let tax = Taxonomy::default_set();
        let receipt = text(&["GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Giấy ủy quyền"]);
        let poa = text(&["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "GIẤY ỦY QUYỀN"]);
        let cont = text(&["BÊN ỦY QUYỀN", "(Ký, ghi rõ họ tên)"]);
        let empty = PageText::default();
        let sep = text(&["TRANG PHÂN CÁCH"]);
        let f = |kind, t| PageFacts {
            kind,
            text: t,
            height: 2000,
            qr: &[],
        };
        let pages = vec![
            f(PageKind::Content, &receipt),
            f(PageKind::Blank, &empty),
            f(PageKind::Content, &poa),
            f(PageKind::Content, &cont),
            f(PageKind::Separator, &sep),
            f(PageKind::Content, &cont),
        ];
        let g = split(&tax, &pages);
        assert_eq!(
            g.iter().map(|g| g.pages.clone()).collect::<Vec<_>>(),
            vec![vec![0], vec![2, 3], vec![5]]
        );
        assert_eq!(g[1].heading.as_ref().unwrap().type_id, "power_of_attorney");
    }
}
