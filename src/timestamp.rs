//! RFC 3161 timestamps from the agency's time-stamping authority (TSA):
//! what makes a PAdES B-B signature B-T.
//!
//! The timestamp covers the signature value: the request carries the
//! SHA-256 of the `SignerInfo`'s signature, the TSA answers with a token
//! (a CMS `SignedData` over its `TSTInfo`, which holds that hash and the
//! TSA's time), and the token goes into the `SignerInfo` as the unsigned
//! attribute id-aa-signatureTimeStampToken ([`crate::sign::embed_timestamp`]).
//! Nothing inside `/ByteRange` moves, so the signature stays valid.
//!
//! A token is a function of the TSA's clock, not of the signature: asked
//! twice, a TSA gives two tokens. So each token is kept write-once in the
//! store under the hash it stamps (`keys::timestamp`), and a signature is
//! stamped with the stored token if there is one: a retried batch, or two
//! workers racing on one, write the same PDF.

use crate::keys;
use crate::record::{PdfSignature, SignatureTimestamp};
use crate::store::{Put, Store, StoreError};
use der::asn1::{Int, OctetString};
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use std::time::Duration;
use time::OffsetDateTime;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

const ID_SHA256: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

#[derive(Debug, thiserror::Error)]
pub enum TimestampError {
    #[error("the time-stamping authority {url} cannot be reached or refused the request: {reason}")]
    Unreachable { url: String, reason: String },
    #[error(
        "the time-stamping authority {url} answered with something that is not a usable timestamp: {reason}"
    )]
    BadAnswer { url: String, reason: String },
    #[error("the stored timestamp {key} cannot be used: {reason}")]
    BadStored { key: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Pdf(#[from] crate::sign::SignError),
}

/// A time-stamping authority reached over HTTP (RFC 3161 section 3.4:
/// `application/timestamp-query` posted, `application/timestamp-reply`
/// back).
#[derive(Debug, Clone)]
pub struct Tsa {
    url: String,
    client: reqwest::Client,
}

/// A token and what the record says of it.
#[derive(Debug, Clone)]
pub struct Token {
    /// The `TimeStampToken` (a CMS `ContentInfo`), DER.
    pub der: Vec<u8>,
    /// The TSA's time (`TSTInfo.genTime`).
    pub time: OffsetDateTime,
    /// Where it is kept (`keys::timestamp`).
    pub key: String,
}

impl Tsa {
    /// The TSA at `url` (`http://…`: tokens are signed, so plain HTTP is
    /// what TSAs serve; this build has no TLS client for `https://`).
    pub fn new(url: &str) -> Result<Tsa, String> {
        if !url.starts_with("http://") {
            return Err(format!(
                "the TSA URL '{url}' is not http://…: time-stamping authorities answer over plain HTTP (their tokens are signed), and sohoa speaks only that to them"
            ));
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Tsa {
            url: url.to_string(),
            client,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// `pdf` (signed by [`crate::sign::Agency::sign`] with room for a
    /// token) with its signature timestamped, and `signature` (its
    /// record) saying so: PAdES-B-T, the TSA's time, the token's key.
    pub async fn stamp_pdf(
        &self,
        store: &dyn Store,
        pdf: &[u8],
        signature: &mut PdfSignature,
    ) -> Result<Vec<u8>, TimestampError> {
        let slot = crate::sign::signature_slot(pdf)?;
        let token = self.stamp(store, slot.signature()).await?;
        let pdf = crate::sign::embed_timestamp(pdf, slot, &token.der)?;
        signature.format = crate::sign::FORMAT_TIMESTAMPED.into();
        signature.timestamp = Some(SignatureTimestamp {
            at: crate::sign::iso_time(token.time),
            tsa: self.url.clone(),
            key: token.key,
        });
        Ok(pdf)
    }

    /// A token for `signature`: the one stored for it, else a new one from
    /// the TSA, stored write-once (when another worker stored one first,
    /// that one).
    pub async fn stamp(
        &self,
        store: &dyn Store,
        signature: &[u8],
    ) -> Result<Token, TimestampError> {
        let digest: [u8; 32] = Sha256::digest(signature).into();
        let key = keys::timestamp(&hex::encode(digest));
        if let Some(stored) = store.get(&key).await? {
            return read_stored(&key, stored, &digest);
        }
        let (der, time) = self.request(&digest).await?;
        let token = Token { der, time, key };
        if let Put::Created = store.put_if_absent(&token.key, token.der.clone()).await? {
            return Ok(token);
        }
        match store.get(&token.key).await? {
            Some(stored) => read_stored(&token.key, stored, &digest),
            None => Ok(token),
        }
    }

    /// Ask the TSA for a token over `digest` (SHA-256), with the TSA's
    /// certificate in it and a fresh nonce.
    async fn request(
        &self,
        digest: &[u8; 32],
    ) -> Result<(Vec<u8>, OffsetDateTime), TimestampError> {
        let bad = |reason: String| TimestampError::BadAnswer {
            url: self.url.clone(),
            reason,
        };
        let unreachable = |reason: String| TimestampError::Unreachable {
            url: self.url.clone(),
            reason,
        };
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).map_err(|e| unreachable(format!("no randomness: {e}")))?;
        nonce[0] = (nonce[0] & 0x7f) | 0x01; // positive, minimal
        let request = TimeStampReq {
            version: TspVersion::V1,
            message_imprint: imprint(digest).map_err(|e| bad(e.to_string()))?,
            req_policy: None,
            nonce: Some(Int::new(&nonce).map_err(|e| bad(e.to_string()))?),
            cert_req: true,
            extensions: None,
        }
        .to_der()
        .map_err(|e| bad(e.to_string()))?;
        let answer = self
            .client
            .post(&self.url)
            .header("Content-Type", "application/timestamp-query")
            .body(request)
            .send()
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let status = answer.status();
        if !status.is_success() {
            return Err(unreachable(format!("HTTP {status}")));
        }
        let body = answer
            .bytes()
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let response = TimeStampResp::from_der(&body)
            .map_err(|e| bad(format!("not a TimeStampResp ({e})")))?;
        use cmpv2::status::PkiStatus;
        if !matches!(
            response.status.status,
            PkiStatus::Accepted | PkiStatus::GrantedWithMods
        ) {
            return Err(unreachable(format!("status {:?}", response.status.status)));
        }
        let token = response
            .time_stamp_token
            .ok_or_else(|| bad("granted, but no token".into()))?
            .to_der()
            .map_err(|e| bad(e.to_string()))?;
        let info = tst_info(&token).map_err(bad)?;
        if info.nonce.as_ref().map(|n| n.as_bytes()) != Some(&nonce[..]) {
            return Err(bad("the token's nonce is not the request's".into()));
        }
        check_imprint(&info, digest).map_err(bad)?;
        Ok((token, gen_time(&info).map_err(bad)?))
    }
}

/// A stored token, checked to stamp `digest`.
fn read_stored(key: &str, der: Vec<u8>, digest: &[u8; 32]) -> Result<Token, TimestampError> {
    let bad = |reason: String| TimestampError::BadStored {
        key: key.to_string(),
        reason,
    };
    let info = tst_info(&der).map_err(bad)?;
    check_imprint(&info, digest).map_err(bad)?;
    Ok(Token {
        time: gen_time(&info).map_err(bad)?,
        der,
        key: key.to_string(),
    })
}

fn imprint(digest: &[u8; 32]) -> der::Result<MessageImprint> {
    Ok(MessageImprint {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: ID_SHA256,
            parameters: None,
        },
        hashed_message: OctetString::new(digest.to_vec())?,
    })
}

/// The `TSTInfo` a token signs. Read leniently: only the `SignedData`'s
/// first three fields are decoded (version, digest algorithms, the
/// encapsulated content), so a TSA that repeats a certificate in its set
/// (openssl's `ts -reply` with `certs` naming the signer again) is still
/// understood. Whoever checks the token (pyHanko, Adobe) checks the rest.
fn tst_info(token: &[u8]) -> Result<TstInfo, String> {
    let info = cms::content_info::ContentInfo::from_der(token)
        .map_err(|e| format!("the token is not a CMS ContentInfo ({e})"))?;
    let not_signed = |e: der::Error| format!("the token is not a SignedData ({e})");
    let mut fields = der::SliceReader::new(info.content.value()).map_err(not_signed)?;
    let _version = der::asn1::Int::decode(&mut fields).map_err(not_signed)?;
    let _digest_algorithms = der::asn1::Any::decode(&mut fields).map_err(not_signed)?;
    let encapsulated =
        cms::signed_data::EncapsulatedContentInfo::decode(&mut fields).map_err(not_signed)?;
    let content = encapsulated.econtent.ok_or("the token holds no TSTInfo")?;
    let octets = content
        .decode_as::<OctetString>()
        .map_err(|e| format!("the token's content is not an OCTET STRING ({e})"))?;
    TstInfo::from_der(octets.as_bytes()).map_err(|e| format!("not a TSTInfo ({e})"))
}

fn check_imprint(info: &TstInfo, digest: &[u8; 32]) -> Result<(), String> {
    let imprint = &info.message_imprint;
    if imprint.hash_algorithm.oid != ID_SHA256 || imprint.hashed_message.as_bytes() != digest {
        return Err("the token stamps another hash than the signature's".into());
    }
    Ok(())
}

fn gen_time(info: &TstInfo) -> Result<OffsetDateTime, String> {
    let unix = info.gen_time.to_unix_duration();
    OffsetDateTime::from_unix_timestamp(unix.as_secs() as i64)
        .map_err(|e| format!("the token's time is out of range ({e})"))
}
