//! Derived documents: when an amendment re-arranges pages (moves one to
//! another document, splits one off, turns one), each document whose
//! pages changed gets a PDF and a text of its own, made from the
//! machine's PDFs and texts of the batch ([`render::rearrange`]: each page
//! copied whole, with its image and invisible text layer, turned with
//! `/Rotate`). The machine's objects are read hash-checked against the
//! record, the new ones are stored write-once and content-addressed under
//! `amendments/documents/` and `amendments/text/` ([`keys::derived_pdf`],
//! [`keys::derived_text`]) before the amendment that names them with
//! their SHA-256. The machine's PDF and text are never touched.

use super::amendments::AmendError;
use crate::keys;
use crate::record::PdfSignature;
use crate::record::amendment::Arrangement;
use crate::record::effective::{SPLIT_TYPE, machine_place};
use crate::record::{BatchRecord, ObjectRef};
use crate::render::{self, PageFrom};
use crate::sign::Agency;
use crate::store::Store;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The machine's objects of the batch read so far, by document index.
#[derive(Default)]
struct Sources {
    pdfs: BTreeMap<usize, Vec<u8>>,
    texts: BTreeMap<usize, Option<Vec<String>>>,
}

/// Make, store and name the PDF and text of every document of
/// `arrangements` whose pages changed; `title` gives a document's title
/// (its heading, else its type) by id. With a signer, each PDF is signed
/// by the agency at `signing.1` (the amendment's time), and timestamped
/// when the agency has a TSA.
pub async fn derive(
    store: &dyn Store,
    record: &BatchRecord,
    title: impl Fn(&str) -> Option<String>,
    arrangements: &mut [Arrangement],
    signing: Option<(&Agency, time::OffsetDateTime)>,
) -> Result<(), AmendError> {
    let mut sources = Sources::default();
    for a in arrangements.iter_mut() {
        if a.after.is_empty() || a.after == a.before {
            continue;
        }
        let at: Vec<(usize, usize)> = a
            .after
            .iter()
            .map(|r| machine_place(record, r))
            .collect::<Option<_>>()
            .ok_or_else(|| source_error(&record.batch_id, "names a page no document of it has"))?;
        let mut order: Vec<usize> = Vec::new();
        for &(doc, _) in &at {
            if !order.contains(&doc) {
                order.push(doc);
            }
            sources.load(store, record, doc).await?;
        }
        let pages: Vec<PageFrom> = at
            .iter()
            .zip(&a.after)
            .map(|(&(doc, page), r)| PageFrom {
                source: order.iter().position(|&d| d == doc).unwrap_or_default(),
                page,
                turned_deg: r.turned_deg,
            })
            .collect();
        let pdfs: Vec<&[u8]> = order
            .iter()
            .filter_map(|d| sources.pdfs.get(d).map(Vec::as_slice))
            .collect();
        let title = title(&a.document_id).unwrap_or_else(|| SPLIT_TYPE.to_string());
        let pdf = render::rearrange(&pdfs, &pages, &title).map_err(|e| {
            let key = &record.documents[order[0]].pdf.key;
            source_error(key, &format!("cannot be taken apart: {e}"))
        })?;
        let pdf = match signing {
            Some((agency, at)) => {
                let (pdf, signature) = sign(store, agency, at, pdf).await?;
                a.signature = Some(signature);
                pdf
            }
            None => pdf,
        };
        a.pdf = Some(put(store, keys::derived_pdf, pdf).await?);
        a.text = match sources.text_of(&at) {
            Some(text) => Some(put(store, keys::derived_text, text.into_bytes()).await?),
            None => None,
        };
    }
    Ok(())
}

impl Sources {
    /// Read the machine's PDF and text of document `i`, hash-checked.
    async fn load(
        &mut self,
        store: &dyn Store,
        record: &BatchRecord,
        i: usize,
    ) -> Result<(), AmendError> {
        if self.pdfs.contains_key(&i) {
            return Ok(());
        }
        let d = &record.documents[i];
        self.pdfs.insert(i, checked(store, &d.pdf).await?);
        // The text's pages are split at form feeds; a text that does not
        // split into the document's pages is not re-arranged.
        let text = checked(store, &d.text).await?;
        let pages = String::from_utf8(text).ok().and_then(|t| {
            let pages: Vec<String> = t.split('\u{c}').map(str::to_string).collect();
            (pages.len() == d.pages.len()).then_some(pages)
        });
        self.texts.insert(i, pages);
        Ok(())
    }

    /// The text of these pages, in order, when every one is known.
    fn text_of(&self, at: &[(usize, usize)]) -> Option<String> {
        let pages: Option<Vec<&str>> = at
            .iter()
            .map(|(d, p)| self.texts.get(d)?.as_ref()?.get(*p).map(String::as_str))
            .collect();
        pages.map(|p| p.join("\u{c}"))
    }
}

/// A derived PDF signed by the agency at `at`, and timestamped when it
/// has a TSA.
async fn sign(
    store: &dyn Store,
    agency: &Agency,
    at: time::OffsetDateTime,
    pdf: Vec<u8>,
) -> Result<(Vec<u8>, PdfSignature), AmendError> {
    let failed = |e: &dyn std::fmt::Display| AmendError::Sign(e.to_string());
    let (pdf, mut signature) = agency.sign(&pdf, at).map_err(|e| failed(&e))?;
    let pdf = agency
        .stamp(store, pdf, &mut signature)
        .await
        .map_err(|e| failed(&e))?;
    Ok((pdf, signature))
}

/// An object's bytes, refused unless they hash as the record says.
async fn checked(store: &dyn Store, object: &ObjectRef) -> Result<Vec<u8>, AmendError> {
    let bytes = store
        .get(&object.key)
        .await?
        .ok_or_else(|| source_error(&object.key, "is missing"))?;
    let got = hex::encode(Sha256::digest(&bytes));
    if got != object.sha256 {
        return Err(source_error(
            &object.key,
            &format!(
                "does not match its record (SHA-256 {got}, the record says {})",
                object.sha256
            ),
        ));
    }
    Ok(bytes)
}

/// Store a derived object under its SHA-256 (the same bytes again are
/// already there) and name it.
async fn put(
    store: &dyn Store,
    key: fn(&str) -> String,
    bytes: Vec<u8>,
) -> Result<ObjectRef, AmendError> {
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let object = ObjectRef {
        key: key(&sha256),
        sha256,
        bytes: bytes.len() as u64,
    };
    store.put_if_absent(&object.key, bytes).await?;
    Ok(object)
}

fn source_error(key: &str, found: &str) -> AmendError {
    AmendError::Source {
        key: key.to_string(),
        found: found.to_string(),
    }
}
