//! The S3 backend (`--store s3://BUCKET[/PREFIX]`), through `aws-sdk-s3`.
//!
//! Endpoint, region and credentials come from the standard AWS variables
//! (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`). Path-style addressing is used when
//! `SOHOA_S3_PATH_STYLE=1`, or by default when `AWS_ENDPOINT_URL` is set
//! (self-hosted stores rarely have wildcard DNS).
//!
//! Integrity: every PUT carries the SHA-256 of its bytes
//! (`x-amz-checksum-sha256`), so the server rejects corrupted uploads.
//! Objects up to [`S3Store::multipart_threshold`] (64 MiB, or
//! `SOHOA_S3_MULTIPART_THRESHOLD` bytes) go in one PUT, so the
//! server's checksum equals the file's SHA-256; larger ones are uploaded in
//! parts, each with its own checksum, and our SHA-256 of the whole object
//! in the metadata (`x-amz-meta-sha256`).
//!
//! Write-once: the key is checked with HEAD first, and a single PUT carries
//! `If-None-Match: *` where the server honours it. Where it does not (the
//! store remembers after the first refusal), or for a multipart upload
//! (completed unconditionally), two writers racing between HEAD and PUT can
//! both write: harmless for content-addressed keys (the same key always
//! means the same bytes), a last-writer-wins race for named keys such as
//! records (see ARCHITECTURE.md, "What is write-once").

use super::{ObjectReader, Put, Store, StoreError};
use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Objects larger than this are uploaded in parts.
pub const DEFAULT_MULTIPART_THRESHOLD: usize = 64 << 20;
const PART_SIZE: usize = 16 << 20;

pub struct S3Store {
    client: Client,
    bucket: String,
    prefix: String,
    pub multipart_threshold: usize,
    conditional_puts: AtomicBool,
}

fn backend(context: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("S3 {context}: {e}"))
}

/// The full error chain of an SDK error (the top level alone says only
/// "service error" or "dispatch failure").
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

impl S3Store {
    /// Connect to `s3://BUCKET[/PREFIX]`; creates the bucket if it does not exist.
    pub async fn open(spec: &str) -> Result<S3Store, StoreError> {
        let rest = spec
            .strip_prefix("s3://")
            .ok_or_else(|| backend("store", format!("'{spec}' is not s3://BUCKET[/PREFIX]")))?;
        let (bucket, prefix) = match rest.split_once('/') {
            Some((b, p)) => (b.to_string(), p.trim_matches('/').to_string()),
            None => (rest.to_string(), String::new()),
        };
        if bucket.is_empty() {
            return Err(backend("store", format!("'{spec}' names no bucket")));
        }
        let region =
            aws_config::meta::region::RegionProviderChain::default_provider().or_else("us-east-1");
        let timeouts = aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(3))
            .operation_attempt_timeout(Duration::from_secs(120))
            .build();
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(region)
            .timeout_config(timeouts)
            .load()
            .await;
        let path_style = match std::env::var("SOHOA_S3_PATH_STYLE") {
            Ok(v) => v == "1" || v.eq_ignore_ascii_case("true"),
            Err(_) => std::env::var_os("AWS_ENDPOINT_URL").is_some(),
        };
        let conf = aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(path_style)
            .request_checksum_calculation(
                aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
            )
            // We check every object against the SHA-256 its record holds; an
            // SDK-level checksum error would hide a mismatch as a read error.
            .response_checksum_validation(
                aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired,
            )
            .build();
        let store = S3Store {
            client: Client::from_conf(conf),
            bucket,
            prefix: if prefix.is_empty() {
                prefix
            } else {
                format!("{prefix}/")
            },
            multipart_threshold: std::env::var("SOHOA_S3_MULTIPART_THRESHOLD")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(DEFAULT_MULTIPART_THRESHOLD),
            conditional_puts: AtomicBool::new(true),
        };
        store.ensure_bucket().await?;
        Ok(store)
    }

    async fn ensure_bucket(&self) -> Result<(), StoreError> {
        match self.client.head_bucket().bucket(&self.bucket).send().await {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {
                tracing::info!(bucket = %self.bucket, "creating bucket");
                match self
                    .client
                    .create_bucket()
                    .bucket(&self.bucket)
                    .send()
                    .await
                {
                    Ok(_) => Ok(()),
                    Err(e)
                        if e.as_service_error().is_some_and(|s| {
                            s.is_bucket_already_owned_by_you() || s.is_bucket_already_exists()
                        }) =>
                    {
                        Ok(())
                    }
                    Err(e) => Err(backend(
                        &format!("create bucket {}", self.bucket),
                        chain(&e),
                    )),
                }
            }
            Err(e) => Err(backend(&format!("bucket {}", self.bucket), chain(&e))),
        }
    }

    fn full(&self, key: &str) -> Result<String, StoreError> {
        super::validate_key(key)?;
        Ok(format!("{}{key}", self.prefix))
    }

    async fn put_single(
        &self,
        full: &str,
        bytes: Vec<u8>,
        sha_b64: String,
        conditional: bool,
    ) -> Result<Put, StoreError> {
        let mut req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(full)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .checksum_sha256(sha_b64)
            .body(ByteStream::from(bytes));
        if conditional {
            req = req.if_none_match("*");
        }
        match req.send().await {
            Ok(_) => Ok(Put::Created),
            Err(e) => {
                let status = e.raw_response().map(|r| r.status().as_u16());
                match status {
                    Some(412) => Ok(Put::Existed),
                    Some(501) if conditional => {
                        Err(StoreError::Backend("conditional-put-unsupported".into()))
                    }
                    _ => Err(backend(&format!("put {full}"), chain(&e))),
                }
            }
        }
    }

    /// GET an object by its full key; `None` if it does not exist.
    async fn get_object(
        &self,
        full: &str,
    ) -> Result<Option<aws_sdk_s3::operation::get_object::GetObjectOutput>, StoreError> {
        match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(full)
            .send()
            .await
        {
            Ok(out) => Ok(Some(out)),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
            Err(e) => Err(backend(&format!("get {full}"), chain(&e))),
        }
    }

    /// Complete a multipart upload, on the condition that the key is still
    /// absent (`If-None-Match: *`) where the server supports it; a server
    /// that does not is asked again without it (the HEAD before the upload
    /// and the read-back after it stand in).
    async fn complete_multipart(
        &self,
        full: &str,
        upload_id: &str,
        done: CompletedMultipartUpload,
    ) -> Result<Put, StoreError> {
        let mut conditional = self.conditional_puts.load(Ordering::Relaxed);
        loop {
            let mut req = self
                .client
                .complete_multipart_upload()
                .bucket(&self.bucket)
                .key(full)
                .upload_id(upload_id)
                .multipart_upload(done.clone());
            if conditional {
                req = req.if_none_match("*");
            }
            let Err(e) = req.send().await else {
                return Ok(Put::Created);
            };
            match e.raw_response().map(|r| r.status().as_u16()) {
                Some(412) => return Ok(Put::Existed),
                Some(501) if conditional => {
                    self.conditional_puts.store(false, Ordering::Relaxed);
                    conditional = false;
                }
                _ => return Err(backend(&format!("complete multipart {full}"), chain(&e))),
            }
        }
    }

    /// After a write made without a condition (the server ignores
    /// `If-None-Match`), read the object back: if another writer's bytes
    /// are there, the key existed as far as this writer is concerned.
    async fn read_back(&self, key: &str, put: Put, sha_hex: &str) -> Result<Put, StoreError> {
        if put == Put::Existed || self.conditional_puts.load(Ordering::Relaxed) {
            return Ok(put);
        }
        match self.sha256(key).await? {
            Some((got, _)) if got == sha_hex => Ok(Put::Created),
            _ => Ok(Put::Existed),
        }
    }

    async fn put_multipart(
        &self,
        full: &str,
        bytes: &[u8],
        sha_hex: &str,
    ) -> Result<Put, StoreError> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(full)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .metadata("sha256", sha_hex)
            .send()
            .await
            .map_err(|e| backend(&format!("start multipart {full}"), chain(&e)))?;
        let upload_id = created.upload_id().unwrap_or_default().to_string();
        let result = async {
            let mut parts = Vec::new();
            for (i, chunk) in bytes.chunks(PART_SIZE).enumerate() {
                let n = i as i32 + 1;
                let part_sha = aws_smithy_types::base64::encode(Sha256::digest(chunk));
                let out = self
                    .client
                    .upload_part()
                    .bucket(&self.bucket)
                    .key(full)
                    .upload_id(&upload_id)
                    .part_number(n)
                    .checksum_algorithm(ChecksumAlgorithm::Sha256)
                    .checksum_sha256(&part_sha)
                    .body(ByteStream::from(chunk.to_vec()))
                    .send()
                    .await
                    .map_err(|e| backend(&format!("upload part {n} of {full}"), chain(&e)))?;
                parts.push(
                    CompletedPart::builder()
                        .part_number(n)
                        .set_e_tag(out.e_tag().map(str::to_string))
                        .checksum_sha256(part_sha)
                        .build(),
                );
            }
            let done = CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build();
            self.complete_multipart(full, &upload_id, done).await
        }
        .await;
        if !matches!(result, Ok(Put::Created)) {
            let _ = self
                .client
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(full)
                .upload_id(&upload_id)
                .send()
                .await;
        }
        result
    }
}

#[async_trait]
impl Store for S3Store {
    async fn put_if_absent(&self, key: &str, bytes: Vec<u8>) -> Result<Put, StoreError> {
        let full = self.full(key)?;
        if self.exists(key).await? {
            return Ok(Put::Existed);
        }
        let digest = Sha256::digest(&bytes);
        let sha_hex = hex::encode(digest);
        if bytes.len() > self.multipart_threshold {
            let put = self.put_multipart(&full, &bytes, &sha_hex).await?;
            return self.read_back(key, put, &sha_hex).await;
        }
        let sha_b64 = aws_smithy_types::base64::encode(digest);
        let conditional = self.conditional_puts.load(Ordering::Relaxed);
        let put = match self
            .put_single(&full, bytes.clone(), sha_b64.clone(), conditional)
            .await
        {
            Err(StoreError::Backend(m)) if m == "conditional-put-unsupported" => {
                // This server does not implement If-None-Match on PUT: rely on
                // the HEAD above and the read-back below.
                self.conditional_puts.store(false, Ordering::Relaxed);
                self.put_single(&full, bytes, sha_b64, false).await
            }
            other => other,
        }?;
        self.read_back(key, put, &sha_hex).await
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let full = self.full(key)?;
        let Some(out) = self.get_object(&full).await? else {
            return Ok(None);
        };
        let data = out
            .body
            .collect()
            .await
            .map_err(|e| backend(&format!("read {full}"), e))?;
        Ok(Some(data.into_bytes().to_vec()))
    }

    async fn remove_inbox_file(&self, key: &str) -> Result<(), StoreError> {
        super::check_removable(key)?;
        let full = self.full(key)?;
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(&full)
            .send()
            .await
            .map_err(|e| backend(&format!("delete {full}"), chain(&e)))?;
        Ok(())
    }

    async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        let full = self.full(key)?;
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(&full)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(false),
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => Ok(false),
            Err(e) => Err(backend(&format!("head {full}"), chain(&e))),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let full_prefix = format!("{}{prefix}", self.prefix);
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(&full_prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| backend(&format!("list {full_prefix}"), chain(&e)))?;
            for o in out.contents() {
                if let Some(k) = o.key().and_then(|k| k.strip_prefix(&self.prefix)) {
                    keys.push(k.to_string());
                }
            }
            match out.next_continuation_token() {
                Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_string()),
                _ => break,
            }
        }
        keys.sort();
        Ok(keys)
    }

    async fn open_stream(&self, key: &str) -> Result<Option<ObjectReader>, StoreError> {
        let full = self.full(key)?;
        let Some(out) = self.get_object(&full).await? else {
            return Ok(None);
        };
        let size = out.content_length().unwrap_or(0).max(0) as u64;
        let chunks = futures_util::stream::unfold(Some(out.body), move |body| {
            let full = full.clone();
            async move {
                let mut body = body?;
                match body.try_next().await {
                    Ok(Some(b)) => Some((Ok(b), Some(body))),
                    Ok(None) => None,
                    Err(e) => Some((Err(backend(&format!("read {full}"), chain(&e))), None)),
                }
            }
        });
        Ok(Some(ObjectReader {
            size,
            chunks: Box::pin(chunks),
        }))
    }

    fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix.trim_end_matches('/'))
            .trim_end_matches('/')
            .to_string()
    }
}
