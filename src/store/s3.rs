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
//!
//! Object Lock (`--object-lock-days N`, [`ObjectLock`]): at open the
//! bucket's Object Lock configuration is read (`GetObjectLockConfiguration`)
//! and the store refuses to open unless it says `Enabled` (a bucket this
//! store creates is created with Object Lock). Then every PUT (and every
//! multipart upload) of an archive key carries `x-amz-object-lock-mode:
//! COMPLIANCE` and `x-amz-object-lock-retain-until-date` N days ahead; the
//! inbox is never locked (its files are removed). The check matters: a
//! server without Object Lock may accept the headers and ignore them
//! (s3s-fs 0.14 does), which would leave objects unlocked while the
//! operator believes otherwise.
//!
//! Versions ([`Store::versions`]): listed with `ListObjectVersions` when
//! `GetBucketVersioning` says `Enabled`, or the bucket's Object Lock
//! configuration does (Object Lock implies versioning; moto's versioning
//! answer is not one the SDK can read); any other answer, `NotImplemented`
//! included, is reported as versions not kept, with the server's words.

use super::{KeyVersions, ObjectLock, ObjectReader, Put, Store, StoreError, Versions};
use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketVersioningStatus, ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart,
    ObjectLockEnabled, ObjectLockMode,
};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
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
    /// Retention for archive writes, checked against the bucket at open.
    lock: Option<ObjectLock>,
}

/// The retention headers of one write.
#[derive(Clone, Copy)]
struct Retention {
    until: aws_smithy_types::DateTime,
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
        S3Store::open_with(spec, None).await
    }

    /// Connect, with Object Lock on archive writes when `lock` is given:
    /// a bucket created here gets Object Lock; an existing one must have
    /// it enabled, or the store refuses to open ([`StoreError::ObjectLock`]).
    pub async fn open_with(spec: &str, lock: Option<ObjectLock>) -> Result<S3Store, StoreError> {
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
            lock,
        };
        store.ensure_bucket().await?;
        if let Some(l) = lock {
            store.check_object_lock(l).await?;
        }
        Ok(store)
    }

    /// Refuse to go on unless the bucket says Object Lock is enabled.
    async fn check_object_lock(&self, lock: ObjectLock) -> Result<(), StoreError> {
        let said = match self
            .client
            .get_object_lock_configuration()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(out) => {
                let enabled = out
                    .object_lock_configuration()
                    .and_then(|c| c.object_lock_enabled());
                if enabled == Some(&ObjectLockEnabled::Enabled) {
                    return Ok(());
                }
                "its Object Lock configuration does not say Enabled".to_string()
            }
            Err(e) => {
                let Some(status) = e.raw_response().map(|r| r.status().as_u16()) else {
                    // No answer (unreachable, timed out): a passing fault.
                    return Err(backend(
                        &format!("object lock of {}", self.bucket),
                        chain(&e),
                    ));
                };
                use aws_sdk_s3::error::ProvideErrorMetadata;
                let code = e
                    .as_service_error()
                    .and_then(|s| s.code())
                    .map(str::to_string);
                match (status, code) {
                    (_, Some(c)) if c == "ObjectLockConfigurationNotFoundError" => {
                        "it has no Object Lock configuration".to_string()
                    }
                    (501, _) => {
                        "the server does not implement Object Lock (GetObjectLockConfiguration: NotImplemented)"
                            .to_string()
                    }
                    _ => format!("its Object Lock configuration could not be read: {}", chain(&e)),
                }
            }
        };
        Err(StoreError::ObjectLock(format!(
            "--object-lock-days {days} was given, but bucket '{bucket}' cannot lock objects: {said}. \
             Object Lock is turned on when a bucket is created (AWS: `aws s3api create-bucket \
             --object-lock-enabled-for-bucket`; MinIO: `mc mb --with-lock`; a bucket sohoa \
             creates gets it), or on AWS for an existing versioned bucket with \
             `aws s3api put-object-lock-configuration`. Garage and s3s-fs have no Object Lock: \
             there leave --object-lock-days (SOHOA_OBJECT_LOCK_DAYS) unset, and the \
             transparency log alone shows what was changed (README, \"Object Lock\")",
            days = lock.days,
            bucket = self.bucket,
        )))
    }

    /// Whether the bucket keeps every version: `GetBucketVersioning` says
    /// `Enabled`, or (for servers whose versioning answer cannot be read,
    /// such as moto's) Object Lock is enabled, which implies versioning.
    /// `Err(why)` when neither says so.
    async fn keeps_versions(&self) -> Result<Result<(), String>, StoreError> {
        let why = match self
            .client
            .get_bucket_versioning()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(out) if out.status() == Some(&BucketVersioningStatus::Enabled) => return Ok(Ok(())),
            Ok(out) => format!(
                "bucket '{}' does not have versioning enabled ({}): an overwrite leaves no earlier version",
                self.bucket,
                out.status().map_or("never enabled", |s| s.as_str())
            ),
            Err(e) => match e.raw_response().map(|r| r.status().as_u16()) {
                None => {
                    return Err(backend(
                        &format!("versioning of {}", self.bucket),
                        chain(&e),
                    ));
                }
                Some(501) => {
                    "the server does not implement versioning (GetBucketVersioning: NotImplemented)"
                        .into()
                }
                Some(_) => format!("its versioning could not be read: {}", chain(&e)),
            },
        };
        let locked = self
            .client
            .get_object_lock_configuration()
            .bucket(&self.bucket)
            .send()
            .await
            .ok()
            .is_some_and(|out| {
                out.object_lock_configuration()
                    .and_then(|c| c.object_lock_enabled())
                    == Some(&ObjectLockEnabled::Enabled)
            });
        Ok(if locked { Ok(()) } else { Err(why) })
    }

    /// The retention a write of `key` carries: none for the inbox or
    /// without `--object-lock-days`.
    fn retention(&self, key: &str) -> Option<Retention> {
        let lock = self.lock?;
        if !crate::keys::is_archive(key) {
            return None;
        }
        let until = crate::clock::days_from_now(lock.days);
        Some(Retention {
            until: aws_smithy_types::DateTime::from_secs(until.unix_timestamp()),
        })
    }

    /// HEAD of the object; `None` if absent.
    async fn head(
        &self,
        key: &str,
    ) -> Result<Option<aws_sdk_s3::operation::head_object::HeadObjectOutput>, StoreError> {
        let full = self.full(key)?;
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(&full)
            .send()
            .await
        {
            Ok(out) => Ok(Some(out)),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => Ok(None),
            Err(e) => Err(backend(&format!("head {full}"), chain(&e))),
        }
    }

    async fn ensure_bucket(&self) -> Result<(), StoreError> {
        match self.client.head_bucket().bucket(&self.bucket).send().await {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {
                tracing::info!(bucket = %self.bucket, "creating bucket");
                let mut create = self.client.create_bucket().bucket(&self.bucket);
                if self.lock.is_some() {
                    create = create.object_lock_enabled_for_bucket(true);
                }
                match create.send().await {
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
        retention: Option<Retention>,
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
        if let Some(r) = retention {
            req = req
                .object_lock_mode(ObjectLockMode::Compliance)
                .object_lock_retain_until_date(r.until);
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
        retention: Option<Retention>,
    ) -> Result<Put, StoreError> {
        let mut start = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(full)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .metadata("sha256", sha_hex);
        if let Some(r) = retention {
            start = start
                .object_lock_mode(ObjectLockMode::Compliance)
                .object_lock_retain_until_date(r.until);
        }
        let created = start
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
        let retention = self.retention(key);
        if bytes.len() > self.multipart_threshold {
            let put = self
                .put_multipart(&full, &bytes, &sha_hex, retention)
                .await?;
            return self.read_back(key, put, &sha_hex).await;
        }
        let sha_b64 = aws_smithy_types::base64::encode(digest);
        let conditional = self.conditional_puts.load(Ordering::Relaxed);
        let put = match self
            .put_single(
                &full,
                bytes.clone(),
                sha_b64.clone(),
                conditional,
                retention,
            )
            .await
        {
            Err(StoreError::Backend(m)) if m == "conditional-put-unsupported" => {
                // This server does not implement If-None-Match on PUT: rely on
                // the HEAD above and the read-back below.
                self.conditional_puts.store(false, Ordering::Relaxed);
                self.put_single(&full, bytes, sha_b64, false, retention)
                    .await
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

    async fn versions(&self, prefix: &str) -> Result<Versions, StoreError> {
        if let Err(why) = self.keeps_versions().await? {
            return Ok(Versions::NotKept(why));
        }
        let full_prefix = format!("{}{prefix}", self.prefix);
        let mut keys: BTreeMap<String, KeyVersions> = BTreeMap::new();
        let (mut key_marker, mut version_marker) = (None::<String>, None::<String>);
        loop {
            let out = match self
                .client
                .list_object_versions()
                .bucket(&self.bucket)
                .prefix(&full_prefix)
                .set_key_marker(key_marker.take())
                .set_version_id_marker(version_marker.take())
                .send()
                .await
            {
                Ok(out) => out,
                Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 501) => {
                    return Ok(Versions::NotKept(
                        "the server does not list object versions (ListObjectVersions: NotImplemented)"
                            .into(),
                    ));
                }
                Err(e) => return Err(backend(&format!("list versions {full_prefix}"), chain(&e))),
            };
            let ours = |k: Option<&str>| {
                k.and_then(|k| k.strip_prefix(&self.prefix))
                    .map(str::to_string)
            };
            for v in out.versions() {
                if let Some(k) = ours(v.key()) {
                    keys.entry(k).or_default().versions += 1;
                }
            }
            for d in out.delete_markers() {
                if let Some(k) = ours(d.key()) {
                    keys.entry(k).or_default().delete_markers += 1;
                }
            }
            if out.is_truncated() != Some(true) {
                break;
            }
            key_marker = out.next_key_marker().map(str::to_string);
            version_marker = out.next_version_id_marker().map(str::to_string);
            if key_marker.is_none() && version_marker.is_none() {
                break;
            }
        }
        Ok(Versions::Listed(keys))
    }

    async fn remove_transient(&self, key: &str) -> Result<(), StoreError> {
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

    async fn modified(&self, key: &str) -> Result<Option<time::OffsetDateTime>, StoreError> {
        Ok(self.head(key).await?.map(|out| {
            out.last_modified()
                .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t.secs()).ok())
                // A server that gives no time: as if written now (young).
                .unwrap_or_else(time::OffsetDateTime::now_utc)
        }))
    }

    async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.head(key).await?.is_some())
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

    async fn list_after(
        &self,
        prefix: &str,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<String>, StoreError> {
        let full_prefix = format!("{}{prefix}", self.prefix);
        let mut keys = Vec::new();
        let mut start_after = after.map(|a| format!("{}{a}", self.prefix));
        while keys.len() < max {
            let want = (max - keys.len()).min(1000) as i32;
            let out = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(&full_prefix)
                .set_start_after(start_after.take())
                .max_keys(want)
                .send()
                .await
                .map_err(|e| backend(&format!("list {full_prefix} after {after:?}"), chain(&e)))?;
            let page: Vec<&str> = out.contents().iter().filter_map(|o| o.key()).collect();
            let Some(last) = page.last() else { break };
            start_after = Some(last.to_string());
            keys.extend(
                page.iter()
                    .filter_map(|k| k.strip_prefix(&self.prefix))
                    .map(str::to_string),
            );
            if out.is_truncated() != Some(true) {
                break;
            }
        }
        // A server that ignores `StartAfter` or `max-keys` must still not
        // hand back more than was asked.
        Ok(super::keys_after(keys, after, max))
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
