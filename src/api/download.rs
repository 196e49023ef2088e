//! Hash-checked downloads. A response carries the recorded SHA-256 as
//! ETag, `Repr-Digest` (RFC 9530) and `Digest` (RFC 3230); the bytes are
//! hashed as they go out and the last chunk is held back until the hash is
//! known, so a mismatch leaves the client with a short body (less than
//! Content-Length), which every HTTP client reports as an error. A mismatch
//! is logged, counted and written to the access log ([`Alarm`]).

use super::error::ErrorBody;
use super::{AppState, Caller, Target};
use crate::store::{Chunks, ObjectReader};
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Does the client already hold this version (`If-None-Match`)?
pub fn not_modified(headers: &HeaderMap, sha256: &str) -> bool {
    let etag = format!("\"{sha256}\"");
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        })
}

pub fn not_modified_response(sha256: &str) -> Response {
    (
        StatusCode::NOT_MODIFIED,
        [(header::ETAG, format!("\"{sha256}\""))],
    )
        .into_response()
}

/// Raised when a stored object does not match its record.
#[derive(Clone)]
pub struct Alarm {
    pub state: Arc<AppState>,
    pub caller: Caller,
    pub case_code: String,
    pub id: String,
    pub key: String,
    pub action: String,
}

impl Alarm {
    /// Count, log and write the integrity failure to the access log.
    pub async fn raise(&self, found: String) {
        self.state.metrics.integrity_failures.inc();
        tracing::error!(key = %self.key, "INTEGRITY FAILURE: {found}; download of {} aborted", self.id);
        let target = Target {
            case_code: Some(&self.case_code),
            target: Some(&self.id),
        };
        let detail = format!("{}: {found}", self.key);
        let _ = self
            .caller
            .log(
                &self.state,
                &self.action,
                "integrity_failure",
                &target,
                Some(detail),
            )
            .await;
    }
}

/// How a browser is to take a download: saved as a file, or shown in
/// place (the web page's PDF frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Attachment,
    Inline,
}

impl Disposition {
    fn header(self, filename: &str) -> String {
        let kind = match self {
            Disposition::Attachment => "attachment",
            Disposition::Inline => "inline",
        };
        format!("{kind}; filename=\"{filename}\"")
    }
}

/// The response streaming `reader`'s bytes, hash-checked against `sha256`.
pub fn response(
    reader: ObjectReader,
    sha256: &str,
    content_type: &'static str,
    (filename, disposition): (&str, Disposition),
    alarm: Alarm,
) -> Response {
    let size = reader.size;
    let digest_bytes = hex::decode(sha256).unwrap_or_default();
    let b64 = aws_smithy_types::base64::encode(&digest_bytes);
    let checked = Checked {
        chunks: reader.chunks,
        hasher: Sha256::new(),
        pending: None,
        seen: 0,
        size,
        expected: sha256.to_string(),
        alarm,
    };
    let stream = futures_util::stream::unfold(Some(checked), |st| async move {
        let mut st = st?;
        let item = st.next_out().await?;
        let more = item.as_ref().is_ok_and(|_| !st.done());
        Some((item, more.then_some(st)))
    });
    let mut resp = Response::new(Body::from_stream(stream));
    let h = resp.headers_mut();
    let val = |s: String| HeaderValue::from_str(&s).unwrap_or(HeaderValue::from_static(""));
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    h.insert(header::ETAG, val(format!("\"{sha256}\"")));
    h.insert("repr-digest", val(format!("sha-256=:{b64}:")));
    h.insert("digest", val(format!("sha-256={b64}")));
    h.insert(
        header::CONTENT_DISPOSITION,
        val(disposition.header(filename)),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    resp
}

/// A download in flight: bytes hashed so far, and the last chunk, held back.
struct Checked {
    chunks: Chunks,
    hasher: Sha256,
    /// Never empty: so that, while it is held, fewer than Content-Length
    /// bytes have gone out and the client cannot take the body as whole.
    pending: Option<Bytes>,
    seen: u64,
    size: u64,
    expected: String,
    alarm: Alarm,
}

type Out = Result<Bytes, std::io::Error>;

impl Checked {
    /// Whether everything has gone out (nothing held back, stream ended).
    fn done(&self) -> bool {
        self.pending.is_none()
    }

    /// The next chunk to send: the one held back, released when the next
    /// arrives, or at the end once the hash matches; `None` when done.
    async fn next_out(&mut self) -> Option<Out> {
        loop {
            match self.chunks.next().await {
                Some(Ok(b)) if b.is_empty() => {}
                Some(Ok(b)) => {
                    self.seen += b.len() as u64;
                    if self.seen > self.size {
                        // Hyper would cut the body at Content-Length and the
                        // client would never know: stop here.
                        let found =
                            format!("the object is longer than the {} bytes recorded", self.size);
                        return Some(self.fail(found).await);
                    }
                    self.hasher.update(&b);
                    if let Some(prev) = self.pending.replace(b) {
                        return Some(Ok(prev));
                    }
                }
                Some(Err(e)) => {
                    tracing::warn!("download aborted: {e}");
                    return Some(Err(std::io::Error::other("store read failed")));
                }
                None => return self.finish().await,
            }
        }
    }

    /// At the end of the object: release the last chunk if the hash matches.
    async fn finish(&mut self) -> Option<Out> {
        let got = hex::encode(std::mem::take(&mut self.hasher).finalize());
        if got != self.expected {
            let found = format!("its SHA-256 is {got}, the record says {}", self.expected);
            return Some(self.fail(found).await);
        }
        let metrics = &self.alarm.state.metrics;
        metrics.downloads.inc();
        metrics.download_bytes.inc_by(self.size);
        self.pending.take().map(Ok)
    }

    async fn fail(&mut self, found: String) -> Out {
        self.alarm.raise(found).await;
        Err(std::io::Error::other("integrity failure"))
    }
}

/// The operations that stream a document with [`HEADERS`].
pub const OPERATIONS: [&str; 3] = ["getDocument", "getDocumentPdf", "getDocumentText"];

/// How a download guards its bytes, added to the description of each of
/// [`OPERATIONS`].
pub const STREAMING: &str = "The bytes are hashed as they are sent and the last chunk is held back until the hash is known. A stored object that is missing or not of its recorded size is detected before sending: 500 `integrity_failure`, nothing sent. One whose SHA-256 does not match its record is detected while streaming: the connection is aborted before the last chunk, so the client gets fewer bytes than `Content-Length` (every HTTP client reports this as an error). Either way the failure is logged in the access log (outcome `integrity_failure`) and counted in `sohoa_api_integrity_failures_total`. A store read error while streaming also aborts the body.";

/// The headers a download carries: name, JSON type, what it means.
pub const HEADERS: [(&str, &str, &str); 6] = [
    (
        "ETag",
        "string",
        r#"The recorded SHA-256 of the object, quoted (strong ETag). Send it back in `If-None-Match` to get 304. (PDF and text only.)"#,
    ),
    (
        "Repr-Digest",
        "string",
        r#"RFC 9530: `sha-256=:<base64 of the recorded SHA-256>:`. (PDF and text only.)"#,
    ),
    (
        "Digest",
        "string",
        r#"RFC 3230 (legacy): `sha-256=<base64 of the recorded SHA-256>`. (PDF and text only.)"#,
    ),
    (
        "Content-Length",
        "integer",
        r#"The recorded size in bytes. A body shorter than this means the download was aborted (integrity failure or store error): discard it. (PDF and text only.)"#,
    ),
    (
        "Content-Disposition",
        "string",
        r#"`attachment; filename="<document_id>.pdf"` or `.txt`. (PDF and text only.)"#,
    ),
    (
        "Cache-Control",
        "string",
        r#"`private, no-store`. (PDF and text only.)"#,
    ),
];

/// What a download can answer besides its 200 (one list for the three
/// routes that stream a document).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum Answers {
    /// Not Modified: `If-None-Match` holds this object's ETag. Only the `ETag`
    /// header is sent. The access is logged like a download.
    #[response(status = 304)]
    NotModified,
    /// `bad_request`: malformed case code or document id.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// `forbidden`: the role may not read documents, or the case is outside
    /// the token's unit. The refusal is logged in the access log.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// `not_found`: the case has no document of this id.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// `integrity_failure`: the stored object is missing or its size does not
    /// match its record; it was not sent, and the failure is logged for the
    /// archivists. (A SHA-256 mismatch found while streaming cannot change the
    /// status any more: it aborts the body instead, see the description.)
    #[response(status = 500)]
    IntegrityFailure(ErrorBody),
    #[response(status = 503, description = super::doc::STORE_UNAVAILABLE)]
    Unavailable(ErrorBody),
}
