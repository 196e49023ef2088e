//! Stamp: each signed document PDF of an assembled batch gets the RFC 3161
//! timestamp of its signature (PAdES B-T), between assembly and storing.
//!
//! It runs here, not inside assembly, because the token comes from the
//! network and is kept in the store ([`crate::timestamp`]): a batch built
//! again (retried, or raced by two workers) finds the token its signature
//! already has and writes the same PDF. The token goes into the space
//! `/Contents` kept free for it, so only the PDF's hash changes: the
//! record's reference to it is made again here.

use super::PipelineError;
use super::assemble::{Built, object_ref};
use crate::keys;
use crate::sign::Agency;
use crate::store::Store;

/// Timestamp every signed document of `built`, in place (nothing to do
/// when the agency has no TSA).
pub async fn stamp(
    store: &dyn Store,
    agency: &Agency,
    built: &mut Built,
) -> Result<(), PipelineError> {
    if agency.tsa.is_none() {
        return Ok(());
    }
    for doc in &mut built.record.documents {
        let Some(signature) = &mut doc.signature else {
            continue;
        };
        let Some(object) = built.objects.iter_mut().find(|(k, _)| *k == doc.pdf.key) else {
            continue;
        };
        let pdf = agency
            .stamp(store, std::mem::take(&mut object.1), signature)
            .await?;
        doc.pdf = object_ref(keys::document_pdf, &pdf);
        *object = (doc.pdf.key.clone(), pdf);
    }
    Ok(())
}
