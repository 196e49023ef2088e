//! Assembly: processed pages → documents → PDFs and texts → stored objects
//! → the batch record, stored by the catalog last.

use super::page::PageOut;
use super::{BatchInfo, Options, Outcome, PipelineError};
use crate::catalog;
use crate::classify;
use crate::clock;
use crate::codes::{self, CaseCode};
use crate::fields::{self, Fields};
use crate::fold;
use crate::ingest::{self, Original};
use crate::keys;
use crate::ocr::PageText;
use crate::record::*;
use crate::render::{self, RenderPage};
use crate::split::{self, Group, PageFacts, PageKind};
use crate::store::Store;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A batch assembled in memory: its record (not yet finished) and the
/// objects it names, keyed.
pub struct Built {
    pub record: BatchRecord,
    pub objects: Vec<(String, Vec<u8>)>,
    pub pages: usize,
    pub ocr_seconds: f64,
}

/// Where each page of the batch came from: `(file name, 1-based page)`.
type Sources = Vec<(String, u32)>;

/// Everything after OCR: split, case code, classify, render, and the record.
pub fn assemble(
    originals: &[Arc<Original>],
    pages: Vec<PageOut>,
    opts: &Options,
    info: &BatchInfo,
    batch_id: &str,
    started: String,
) -> Result<Built, PipelineError> {
    let sources: Sources = originals
        .iter()
        .flat_map(|o| (0..o.pages.len()).map(|i| (o.name.clone(), i as u32 + 1)))
        .collect();
    let facts: Vec<PageFacts> = pages
        .iter()
        .map(|p| PageFacts {
            kind: p.kind,
            text: &p.text,
            height: p.height,
            qr: &p.qr,
        })
        .collect();
    no_content(&pages, &sources)?;
    let groups = split::split(&opts.taxonomy, &facts);
    let threshold = opts.taxonomy.threshold;
    let is_receipt = receipt_pages(&groups, &pages, threshold);
    let (case_code, case_code_source) = case_code(&pages, &is_receipt, info.case_code.clone())?;
    let mut warnings = page_warnings(&pages, &sources);
    warnings.extend(stray_code_warnings(&pages, &sources, &is_receipt));
    let applicants: Vec<String> = [
        applicant(&pages, &is_receipt),
        subject(&groups, &pages, &is_receipt),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut objects = Vec::new();
    let mut documents = Vec::new();
    let signed_at = signing_time(opts, info)?;
    let applicants: Vec<&str> = applicants.iter().map(String::as_str).collect();
    let batch = BatchFacts {
        case_code: &case_code,
        fields: agreed_fields(&groups, &pages, &applicants),
        signed_at,
    };
    let built = documents_of(&groups, &pages, &sources, opts, &batch, batch_id)?;
    for (n, (g, doc)) in groups.iter().zip(built).enumerate() {
        if doc.record.needs_review {
            let first = &sources[g.pages[0]];
            warnings.push(format!(
                "document {} (from {} page {}) needs review: {}",
                n + 1,
                first.0,
                first.1,
                doc.record.reason
            ));
        }
        objects.extend(doc.objects);
        documents.push(doc.record);
    }
    let record = BatchRecord {
        schema: RECORD_SCHEMA.into(),
        case_code,
        case_code_source: case_code_source.as_str().into(),
        batch_id: batch_id.to_string(),
        station: info.station.clone(),
        started_at: started,
        finished_at: String::new(),
        software: software(opts),
        originals: originals.iter().map(|o| original_ref(o)).collect(),
        documents,
        skipped_pages: skipped_pages(&pages, &sources),
        warnings,
    };
    Ok(Built {
        record,
        objects,
        pages: pages.len(),
        ocr_seconds: pages.iter().map(|p| p.ocr_seconds).sum(),
    })
}

/// A batch with no content page is a failure, never an empty success.
fn no_content(pages: &[PageOut], sources: &Sources) -> Result<(), PipelineError> {
    if pages.iter().any(|p| p.kind == PageKind::Content) {
        return Ok(());
    }
    let blank = pages.iter().filter(|p| p.kind == PageKind::Blank).count();
    let first = pages
        .iter()
        .zip(sources)
        .find(|(p, _)| p.kind == PageKind::Blank)
        .map(|(p, (file, page))| format!("{file} page {page}: {}", p.blank_detail))
        .unwrap_or_else(|| "every page is a separator".into());
    Err(PipelineError::NoContent {
        pages: pages.len(),
        blank,
        separators: pages.len() - blank,
        first,
    })
}

fn ids_of(batch_id: &str, n: usize) -> String {
    crate::ids::document(batch_id, n + 1)
}

/// The batch's case code, from its receipts' QR codes and printed text or
/// from the station (the rule is `codes::resolve_case_code`).
fn case_code(
    pages: &[PageOut],
    is_receipt: &[bool],
    station: Option<CaseCode>,
) -> Result<(CaseCode, codes::CaseCodeSource), PipelineError> {
    let qr = pages
        .iter()
        .zip(is_receipt)
        .filter(|(_, receipt)| **receipt)
        .flat_map(|(p, _)| p.qr.iter().map(String::as_str));
    let receipt_texts = pages
        .iter()
        .zip(is_receipt)
        .filter(|(p, receipt)| **receipt && p.kind == PageKind::Content)
        .flat_map(|(p, _)| std::iter::once(p.text.text()).chain(p.code_reread.clone()));
    Ok(codes::resolve_case_code(
        station,
        qr,
        receipt_texts,
        clock::today(),
    )?)
}

/// Which pages are the receipt's, whose QR codes and print may give the
/// case code: pages of documents headed as a receipt, content pages that
/// read as one (a receipt of another layout may not be typed), and pages
/// whose QR is a case code and that carry no other document's heading (a
/// receipt whose title was not read, even when it was merged into the
/// document before it). A case code on a page headed as another document
/// (a land certificate's QR, say) never becomes the batch's.
fn receipt_pages(groups: &[Group], pages: &[PageOut], threshold: f32) -> Vec<bool> {
    let mut is_receipt: Vec<bool> = pages
        .iter()
        .map(|p| {
            p.kind == PageKind::Content
                && (codes::is_receipt_text(&p.text.text())
                    || p.qr.iter().any(|q| q.parse::<CaseCode>().is_ok()))
        })
        .collect();
    for g in groups {
        let headed_as = g
            .heading
            .as_ref()
            .filter(|h| h.similarity >= threshold)
            .map(|h| h.type_id.as_str());
        match headed_as {
            Some("receipt") => g.pages.iter().for_each(|&i| is_receipt[i] = true),
            // The document's first page carries its heading: another
            // document's, so a code there is not the receipt's (unless the
            // page reads as a receipt all the same).
            Some(_) => {
                let first = g.pages[0];
                is_receipt[first] = codes::is_receipt_text(&pages[first].text.text());
            }
            None if receipt_by_body(g) => g.pages.iter().for_each(|&i| is_receipt[i] = true),
            None => {}
        }
    }
    is_receipt
}

/// Phrases of the receipt's body (its labels: "Tiếp nhận hồ sơ của",
/// "Thời gian trả kết quả", "Mã hồ sơ" …) that make a document whose
/// heading was not read the receipt, when no other type has half as many:
/// more than the classifier asks to type it for review
/// ([`crate::classify::decide`]), as its case code will be the batch's.
const RECEIPT_BODY_PHRASES: usize = 4;

/// Whether a document without a heading reads as the receipt by its body.
fn receipt_by_body(g: &Group) -> bool {
    crate::classify::body_leads(&g.phrases, RECEIPT_BODY_PHRASES)
        .is_some_and(|(t, _)| t == "receipt")
}

/// One warning per case code read on a page that is not the receipt's.
fn stray_code_warnings(pages: &[PageOut], sources: &Sources, is_receipt: &[bool]) -> Vec<String> {
    pages
        .iter()
        .zip(sources)
        .zip(is_receipt)
        .filter(|(_, receipt)| !**receipt)
        .flat_map(|((p, (file, page)), _)| {
            p.qr.iter()
                .filter_map(|q| q.parse::<CaseCode>().ok())
                .map(move |code| {
                    format!("{file} page {page}: a QR code carries the case code {code}, but the page is not the intake receipt; it was not taken as the batch's case code (stray_case_code)")
                })
        })
        .collect()
}

/// Mean word confidence under which a page reads poorly: what it says, and
/// so whether it starts a document of its own, is not known.
const POOR_READING_CONF: f32 = 60.0;

/// Words a page must read, however poorly, to be taken for a page of text
/// (a card's back or a photograph reads a few specks as words).
const POOR_READING_MIN_WORDS: usize = 10;

/// Why a page after a document's first may not belong to it: it joined
/// the document because no heading was read on it, and it reads as text
/// but poorly, so a heading may be there unread. `None` when every page
/// read well enough, or held too little text to tell.
fn unsure_membership(g: &Group, pages: &[PageOut], sources: &Sources) -> Option<String> {
    let unsure: Vec<String> = g.pages[1..]
        .iter()
        .filter(|&&i| {
            let text = &pages[i].text;
            text.mean_conf() < POOR_READING_CONF && text.word_count() >= POOR_READING_MIN_WORDS
        })
        .map(|&i| {
            let (file, page) = &sources[i];
            format!("{file} page {page} ({:.0})", pages[i].text.mean_conf())
        })
        .collect();
    (!unsure.is_empty()).then(|| {
        format!(
            "; {} read poorly (mean word confidence under {POOR_READING_CONF}): check that it belongs to this document",
            unsure.join(", ")
        )
    })
}

/// The warnings about single pages, "FILE page N: WHAT (CODE)", by kind:
/// pages under the minimum resolution for digitised copies
/// (`low_resolution`), pages kept although OCR read no text on them
/// (`unread_page`), pages whose QR search failed (`qr_search_failed`).
fn page_warnings(pages: &[PageOut], sources: &Sources) -> Vec<String> {
    type Rule = (fn(&PageOut) -> Option<String>, &'static str);
    let rules: [Rule; 3] = [
        (
            |p| {
                (p.dpi < ingest::MIN_DPI).then(|| {
                    format!(
                        "{} dpi is under the {} dpi minimum for digitised copies",
                        p.dpi,
                        ingest::MIN_DPI
                    )
                })
            },
            "low_resolution",
        ),
        (|p| p.kept_unread.clone(), "unread_page"),
        (
            |p| {
                let why = p.qr_failed.as_ref()?;
                Some(format!("{why}; the page was read without its QR codes"))
            },
            "qr_search_failed",
        ),
    ];
    rules
        .iter()
        .flat_map(|(what, code)| {
            pages
                .iter()
                .zip(sources)
                .filter_map(move |(p, (file, page))| {
                    Some(format!("{file} page {page}: {} ({code})", what(p)?))
                })
        })
        .collect()
}

/// Every page that is in no document, and why.
fn skipped_pages(pages: &[PageOut], sources: &Sources) -> Vec<SkippedPage> {
    pages
        .iter()
        .zip(sources)
        .filter(|(p, _)| p.kind != PageKind::Content)
        .map(|(p, (file, page))| {
            let blank = p.kind == PageKind::Blank;
            SkippedPage {
                source: file.clone(),
                page: *page,
                reason: if blank { "blank" } else { "separator" }.into(),
                detail: p.blank_detail.clone(),
                prepare: blank.then(|| p.prep.clone()),
            }
        })
        .collect()
}

/// What the batch as a whole tells each of its documents.
struct BatchFacts<'a> {
    case_code: &'a CaseCode,
    /// Each group's key fields, agreed across the batch.
    fields: Vec<Fields>,
    /// When the batch's documents are signed (its claim's time), where a
    /// signer is configured.
    signed_at: Option<time::OffsetDateTime>,
}

/// The applicant's name, read off the receipt pages (none unless they
/// agree on one).
fn applicant(pages: &[PageOut], is_receipt: &[bool]) -> Option<String> {
    let mut names: Vec<String> = pages
        .iter()
        .zip(is_receipt)
        .filter(|(p, receipt)| **receipt && p.kind == PageKind::Content)
        .filter_map(|(p, _)| {
            fields::extract(&[&p.text], clock::today(), &[])
                .values
                .remove("full_name")
        })
        .collect();
    names.dedup();
    match names.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// The person the batch's documents are about: the main person most of
/// its documents other than the receipt name (two at least, and more than
/// any other). A receipt may name an attorney who hands the dossier in,
/// who is then in none of the columns of a form printing two people.
fn subject(groups: &[Group], pages: &[PageOut], is_receipt: &[bool]) -> Option<String> {
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for g in groups
        .iter()
        .filter(|g| !g.pages.iter().any(|&i| is_receipt[i]))
    {
        let texts: Vec<&PageText> = g.pages.iter().map(|&i| &pages[i].text).collect();
        if let Some(name) = fields::extract(&texts, clock::today(), &[])
            .values
            .remove("full_name")
        {
            *count.entry(name).or_default() += 1;
        }
    }
    let mut ranked: Vec<(usize, String)> = count.into_iter().map(|(n, c)| (c, n)).collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.0));
    match ranked.as_slice() {
        [(top, name), rest @ ..]
            if *top >= 2
                && rest.first().is_none_or(|r| r.0 < *top)
                && !rest.iter().any(|(_, other)| paired(pages, name, other)) =>
        {
            Some(name.clone())
        }
        _ => None,
    }
}

/// Does a line of the batch name two people side by side (a form's row
/// of names, "Họ, chữ đệm, tên | TĂNG PHƯƠNG LỤA | LÝ DUY MINH")? When
/// the batch's other documents are about both, they do not tell whose
/// the form is: a marriage dossier holds both spouses' papers.
fn paired(pages: &[PageOut], one: &str, other: &str) -> bool {
    let (one, other) = (fold::fold(one), fold::fold(other));
    pages.iter().flat_map(|p| &p.text.lines).any(|l| {
        let row = fold::fold(&l.text());
        row.contains(&one) && row.contains(&other)
    })
}

/// One document: its record and its PDF and text, keyed.
struct Document {
    record: DocumentRecord,
    objects: Vec<(String, Vec<u8>)>,
}

/// Every group's key fields, then agreed across the batch: the readings
/// of one person on several documents outvote a misreading
/// ([`crate::people`]). `applicants`: who applies, in the order to try
/// (the name the intake receipt gives, then the person the batch's
/// documents are about).
fn agreed_fields(groups: &[Group], pages: &[PageOut], applicants: &[&str]) -> Vec<Fields> {
    let mut fields: Vec<Fields> = groups
        .iter()
        .map(|g| {
            let texts: Vec<&PageText> = g.pages.iter().map(|&i| &pages[i].text).collect();
            key_fields(g, pages, &texts, applicants)
        })
        .collect();
    crate::people::agree(&mut fields);
    fields
}

/// The document's key fields: read off its text, and off an ID card's
/// QR code when one of its pages carries it.
fn key_fields(g: &Group, pages: &[PageOut], texts: &[&PageText], applicants: &[&str]) -> Fields {
    let mut found = fields::extract(texts, clock::today(), applicants);
    if let Some(card) = &g.id_card {
        let carries = |i: usize| {
            pages[i]
                .qr
                .iter()
                .any(|q| classify::id_card_qr(q).is_some())
        };
        let page = g.pages.iter().position(|&i| carries(i)).unwrap_or(0);
        found.add_card(card, page as u32 + 1);
    }
    found
}

/// Every group's document, in order. The groups are independent (each is
/// typed, read for fields and rendered on its own), so they are built on up
/// to `opts.threads` threads: the page threads are idle by now.
fn documents_of(
    groups: &[Group],
    pages: &[PageOut],
    sources: &Sources,
    opts: &Options,
    batch: &BatchFacts,
    batch_id: &str,
) -> Result<Vec<Document>, PipelineError> {
    let workers = opts.threads.clamp(1, groups.len().max(1));
    let build = |w: usize| {
        groups
            .iter()
            .enumerate()
            .skip(w)
            .step_by(workers)
            .map(|(n, g)| {
                (
                    n,
                    document(g, n, pages, sources, opts, batch, &ids_of(batch_id, n)),
                )
            })
            .collect::<Vec<_>>()
    };
    let mut built: Vec<(usize, Result<Document, PipelineError>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers).map(|w| s.spawn(move || build(w))).collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| PipelineError::PoolGone))
            .collect::<Result<Vec<_>, _>>()
    })?
    .into_iter()
    .flatten()
    .collect();
    built.sort_by_key(|(n, _)| *n);
    built.into_iter().map(|(_, d)| d).collect()
}

/// Classify the batch's group `n`, take its agreed fields, render its PDF and text.
fn document(
    g: &Group,
    n: usize,
    pages: &[PageOut],
    sources: &Sources,
    opts: &Options,
    batch: &BatchFacts,
    id: &str,
) -> Result<Document, PipelineError> {
    let texts: Vec<&PageText> = g.pages.iter().map(|&i| &pages[i].text).collect();
    let mut decision = classify::decide(
        &opts.taxonomy,
        &classify::Evidence {
            heading: g.heading.as_ref(),
            phrases: g.phrases.clone(),
            id_card_qr: g.id_card.is_some(),
            first_page: g.pages[0] as u32 + 1,
        },
    );
    if let Some(why) = unsure_membership(g, pages, sources) {
        decision.needs_review = true;
        decision.reason += &why;
    }
    let Fields {
        values: mut fields,
        sources: field_sources,
        ..
    } = batch.fields[n].clone();
    if decision.type_id == "receipt" {
        fields.insert("case_code".into(), batch.case_code.to_string());
    }
    let render_pages: Vec<RenderPage> = g
        .pages
        .iter()
        .filter_map(|&i| {
            pages[i].image.as_ref().map(|image| RenderPage {
                image,
                text: &pages[i].text,
                dpi: pages[i].dpi,
            })
        })
        .collect();
    let title = decision.title.as_deref().unwrap_or(&decision.type_id);
    let pdf = render::render(&render_pages, title)?;
    // Signed after it is final, so the recorded hash is the signed file's.
    let (pdf, signature) = sign(opts, batch, pdf)?;
    let text: String = texts
        .iter()
        .map(|t| t.text())
        .collect::<Vec<_>>()
        .join("\u{c}");
    let pdf_ref = object_ref(keys::document_pdf, &pdf);
    let text_ref = object_ref(keys::document_text, text.as_bytes());
    let record = DocumentRecord {
        id: id.to_string(),
        doc_type: decision.type_id,
        title: decision.title,
        confidence: decision.confidence,
        reason: decision.reason,
        needs_review: decision.needs_review,
        fields,
        field_sources,
        pages: g
            .pages
            .iter()
            .map(|&i| page_record(&pages[i], &sources[i]))
            .collect(),
        pdf: pdf_ref.clone(),
        text: text_ref.clone(),
        signature,
    };
    Ok(Document {
        record,
        objects: vec![(pdf_ref.key, pdf), (text_ref.key, text.into_bytes())],
    })
}

/// When the batch's documents are signed: its claim's time, where a
/// signer is configured.
fn signing_time(
    opts: &Options,
    info: &BatchInfo,
) -> Result<Option<time::OffsetDateTime>, PipelineError> {
    Ok(match (&opts.signing, &info.claimed_at) {
        (None, _) => None,
        (Some(_), Some(t)) => Some(crate::sign::time_of_claim(t).ok_or_else(|| {
            crate::sign::SignError::Sign(format!(
                "the batch's claim time '{t}' is not a claim time: no signing time"
            ))
        })?),
        (Some(_), None) => {
            return Err(crate::sign::SignError::Sign(
                "the batch has no claim time to sign its documents at".into(),
            )
            .into());
        }
    })
}

/// The document's PDF signed, and what the record says of it.
fn sign(
    opts: &Options,
    batch: &BatchFacts,
    pdf: Vec<u8>,
) -> Result<(Vec<u8>, Option<PdfSignature>), PipelineError> {
    let (Some(agency), Some(at)) = (&opts.signing, batch.signed_at) else {
        return Ok((pdf, None));
    };
    let (pdf, signature) = agency.sign(&pdf, at)?;
    Ok((pdf, Some(signature)))
}

/// A content object's reference: its key from its SHA-256, and its size.
pub(super) fn object_ref(key: fn(&str) -> String, bytes: &[u8]) -> ObjectRef {
    let sha256 = hex::encode(Sha256::digest(bytes));
    ObjectRef {
        key: key(&sha256),
        sha256,
        bytes: bytes.len() as u64,
    }
}

fn page_record(p: &PageOut, (source, page): &(String, u32)) -> PageRecord {
    PageRecord {
        source: source.clone(),
        page: *page,
        width: p.width,
        height: p.height,
        dpi: p.dpi,
        dpi_source: p.dpi_source.to_string(),
        low_resolution: p.dpi < ingest::MIN_DPI,
        prepare: p.prep.clone(),
        ocr_confidence: (p.text.mean_conf() * 10.0).round() / 10.0,
    }
}

fn original_ref(o: &Original) -> OriginalRef {
    OriginalRef {
        name: o.name.clone(),
        key: keys::original(&o.sha256),
        sha256: o.sha256.clone(),
        bytes: o.bytes.len() as u64,
        pages: o.pages.len() as u32,
        format: o.format,
    }
}

fn software(opts: &Options) -> Software {
    Software {
        name: "sohoa".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        tesseract: crate::ocr::tesseract_version(),
        ocr_languages: opts.lang.clone(),
        taxonomy: opts.taxonomy.source.clone(),
    }
}

/// Store the originals and every object the record names, then the record
/// (through the catalog), last.
pub async fn store(
    store: &dyn Store,
    originals: &[Arc<Original>],
    built: Built,
) -> Result<Outcome, PipelineError> {
    for o in originals {
        store
            .put_if_absent(&keys::original(&o.sha256), o.bytes.to_vec())
            .await?;
    }
    for (key, bytes) in built.objects {
        store.put_if_absent(&key, bytes).await?;
    }
    let mut record = built.record;
    record.finished_at = crate::clock::now_rfc3339();
    let (found, created) = catalog::records::store_record(store, record).await?;
    Ok(Outcome {
        record: found.record,
        record_key: found.key,
        already_done: !created,
        pages: built.pages,
        ocr_seconds: built.ocr_seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::HeadingMatch;

    fn page(lines: &[&str], qr: &[&str]) -> PageOut {
        PageOut {
            kind: PageKind::Content,
            width: 1000,
            height: 1400,
            dpi: 200,
            dpi_source: "file",
            prep: Preparation::default(),
            qr: qr.iter().map(|q| q.to_string()).collect(),
            qr_failed: None,
            text: PageText::of_lines(lines),
            image: None,
            ocr_seconds: 0.0,
            blank_detail: String::new(),
            kept_unread: None,
            code_reread: None,
        }
    }

    fn group(pages: Vec<usize>, type_id: Option<&str>) -> Group {
        Group {
            pages,
            heading: type_id.map(|t| HeadingMatch {
                type_id: t.into(),
                heading: t.into(),
                found: t.into(),
                similarity: 1.0,
            }),
            id_card: None,
            phrases: Default::default(),
        }
    }

    #[test]
    fn a_later_page_that_reads_as_text_but_poorly_sends_its_document_to_review() {
        let poorly = |words: usize, conf: f32| {
            let mut p = page(&[&vec!["chữ"; words].join(" ")], &[]);
            p.text.lines[0].words.iter_mut().for_each(|w| w.conf = conf);
            p
        };
        let pages = vec![
            page(&["GIẤY ỦY QUYỀN"], &[]),
            poorly(40, 45.0),
            poorly(2, 20.0),
            poorly(40, 90.0),
        ];
        let sources: Sources = (1..=4).map(|n| ("scan.tif".to_string(), n)).collect();
        let why = unsure_membership(&group(vec![0, 1], None), &pages, &sources);
        assert!(why.is_some_and(|w| w.contains("scan.tif page 2 (45)")));
        // A page of a few specks (a card's back), or one that reads well: no doubt.
        assert_eq!(
            unsure_membership(&group(vec![0, 2, 3], None), &pages, &sources),
            None
        );
        // The first page's own reading is the type's business, not this rule's.
        assert_eq!(
            unsure_membership(&group(vec![1, 3], None), &pages, &sources),
            None
        );
    }

    #[test]
    fn only_the_receipts_pages_give_the_case_code_and_a_stray_one_is_a_warning() {
        let code = "000.00.13.H04-210628-0001";
        let pages = vec![
            // A land certificate whose QR carries a case code.
            page(&["GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT"], &[code]),
            // A receipt whose title OCR lost, merged into the certificate.
            page(&["Số điện thoại: 0912345678"], &[code]),
        ];
        let groups = vec![group(vec![0, 1], Some("land_use_certificate"))];
        assert_eq!(receipt_pages(&groups, &pages, 0.8), vec![false, true]);
        let sources: Sources = vec![("scan.pdf".into(), 1), ("scan.pdf".into(), 2)];
        let is_receipt = receipt_pages(&groups, &pages, 0.8);
        let warnings = stray_code_warnings(&pages, &sources, &is_receipt);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].starts_with("scan.pdf page 1:") && warnings[0].contains(code));
        // With the certificate alone, its code is never the batch's.
        let alone = vec![page(&["GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT"], &[code])];
        let groups = vec![group(vec![0], Some("land_use_certificate"))];
        assert!(matches!(
            case_code(&alone, &receipt_pages(&groups, &alone, 0.8), None),
            Err(PipelineError::CaseCode(codes::CaseCodeError::Missing))
        ));
    }

    /// A receipt whose title OCR could not read, typed by its body (for
    /// review), still gives the case code printed on it; a body with a
    /// phrase or two of the receipt's, or as many of another type's, does not.
    #[test]
    fn a_receipt_without_a_readable_title_gives_its_code_by_its_body() {
        let code = "000.35.50.H49-250414-2593";
        let pages = vec![page(
            &[
                "PHIẾU TIẾP HỖ SƠ",
                &format!("Mã hò sø: {code}"),
                "Tiếp nhân hồ sở của: Ông Huỳnh Tuấn Long",
            ],
            &[],
        )];
        let by_body = |receipt: &[&str], other: &[&str]| {
            let mut g = group(vec![0], None);
            let own = |l: &[&str]| l.iter().map(|p| p.to_string()).collect();
            g.phrases.insert("receipt".into(), own(receipt));
            if !other.is_empty() {
                g.phrases.insert("application_form".into(), own(other));
            }
            receipt_pages(&[g], &pages, 0.8)
        };
        let four = [
            "Tiếp nhận hồ sơ của",
            "Thành phần hồ sơ",
            "Mã hồ sơ",
            "Thời gian trả kết quả",
        ];
        assert_eq!(by_body(&four, &[]), vec![true]);
        let is_receipt = by_body(&four, &["Kính gửi"]);
        let (found, _) = case_code(&pages, &is_receipt, None).expect("a case code");
        assert_eq!(found.as_str(), code);
        assert_eq!(by_body(&four[..2], &[]), vec![false]);
        assert_eq!(by_body(&four, &["Kính gửi", "Tôi cam đoan"]), vec![false]);
    }

    /// The person most documents name answers for a form of two people
    /// only when the form's other person is the subject of none of them.
    #[test]
    fn a_form_of_two_people_whose_papers_are_both_in_the_batch_has_no_subject() {
        let form = page(
            &[
                "TỜ KHAI ĐĂNG KÝ KẾT HÔN",
                "Họ, chữ đệm, tên | TĂNG PHƯƠNG LỤA | LÝ DUY MINH",
                "Ngày, tháng, năm sinh | 16/01/2007 | 25/02/1988",
            ],
            &[],
        );
        let husband = |title: &str| page(&[title, "Họ và tên: LÝ DUY MINH"], &[]);
        let wife = page(&["CĂN CƯỚC", "Họ và tên: TĂNG PHƯƠNG LỤA"], &[]);
        let mut pages = vec![
            form,
            husband("CĂN CƯỚC"),
            husband("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN"),
        ];
        let groups = |n: usize| (0..n).map(|i| group(vec![i], None)).collect::<Vec<_>>();
        let subject_of =
            |pages: &[PageOut]| subject(&groups(pages.len()), pages, &vec![false; pages.len()]);
        assert_eq!(subject_of(&pages).as_deref(), Some("Lý Duy Minh"));
        pages.push(wife);
        assert_eq!(subject_of(&pages), None);
    }
}
