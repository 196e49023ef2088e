//! The agency's signature on a document PDF: PAdES baseline B-B (ETSI EN
//! 319 142-1), added as an incremental update to the finished PDF.
//!
//! Signing goes in three steps, so that the key can live anywhere:
//!
//! 1. **digest** ([`prepare`]): the incremental update is appended (a
//!    signature dictionary with `/SubFilter /ETSI.CAdES.detached`, `/M` and
//!    a `/Contents` placeholder of fixed size, a widget on the first page
//!    whose appearance is the visible line "Ký số bởi … lúc <ISO 8601
//!    time>", the catalog's `/AcroForm`, an xref section with `/Prev`), and
//!    the SHA-256 of the whole file but the placeholder (`/ByteRange`) is
//!    taken;
//! 2. **sign** ([`Signer::sign`]): the CMS signed attributes (content type,
//!    message digest, ESS signing-certificate-v2; no signing-time, which
//!    PAdES B-B leaves to `/M`) are hashed and signed by whatever holds the
//!    key. [`FileSigner`] holds an RSA key read from a PKCS#12 or PEM file; a USB token,
//!    an HSM or a remote signing service implements the same trait;
//! 3. **embed** ([`Prepared::embed`]): the CMS `SignedData` is written into
//!    the placeholder, in place: no other byte moves.
//!
//! Deterministic: the signing time is the batch's own (its claim's), and
//! RSA PKCS#1 v1.5 signatures are a function of key and message, so the
//! same document signed again gives the same bytes (a retried batch, or two
//! workers racing on one, store one object).
//!
//! The visible line is drawn as glyph outlines (Noto Sans, subset, read by
//! ttf-parser) in the widget's appearance stream: no font enters the PDF,
//! so PDF/A-2b's font rules have nothing more to check. The file stays
//! PDF/A-2b (the widget is printed, its appearance has only `/N`, no
//! `NeedAppearances`), which `pdfa::check` with `Expect { signed: true }`
//! confirms, with the byte range covering the whole file but `/Contents`.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode};
use lopdf::{Dictionary, Document, Object, dictionary};
use sha2::{Digest, Sha256};
use std::path::Path;
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::spki::AlgorithmIdentifierOwned;

/// The record's word for the format of the signatures made here.
pub const FORMAT: &str = "PAdES-B-B";
/// … and of those with a timestamp ([`embed_timestamp`]).
pub const FORMAT_TIMESTAMPED: &str = "PAdES-B-T";

/// Bytes the `/Contents` placeholder keeps free for a timestamp token
/// (a TSA's token with its certificate chain: 2 to 8 KB in practice).
pub const TIMESTAMP_ROOM: usize = 16 * 1024;

const SIGN_FONT: &[u8] = include_bytes!("../assets/NotoSans-sign.ttf");

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const ID_SIGNATURE_TIMESTAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
const ID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

/// Vietnam's offset: signing times are shown and stamped in it.
const VIETNAM: time::UtcOffset = time::macros::offset!(+7);

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("signing key {path}: {reason}")]
    Key { path: String, reason: String },
    #[error("the PDF to sign cannot be read: {0}")]
    Pdf(String),
    #[error("the signature cannot be made: {0}")]
    Sign(String),
    #[error("--tsa-url: {0}")]
    Tsa(String),
}

/// Where the agency's signing key is: one flag and env each, shared by
/// `sohoa process` and `sohoa-worker`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct KeyArgs {
    /// The agency's RSA signing key: a PKCS#12 file (`.p12`/`.pfx`, with
    /// its certificate chain; password from `--sign-key-password-file`) or
    /// a PEM file (PKCS#8 or PKCS#1, unencrypted; its certificates here or
    /// in `--sign-cert`). Every document PDF is then signed (PAdES B-B).
    /// Without it PDFs are stored unsigned, and each document's record
    /// says `"signature": null`.
    #[arg(long, env = "SOHOA_SIGN_KEY")]
    pub sign_key: Option<std::path::PathBuf>,
    /// PEM file with the signing certificate and any CA certificates to
    /// embed after it (for a PEM key whose file does not hold them).
    #[arg(long, env = "SOHOA_SIGN_CERT", requires = "sign_key")]
    pub sign_cert: Option<std::path::PathBuf>,
    /// File holding the PKCS#12 file's password (its first line), kept
    /// readable only by sohoa's user. Without it the password is empty.
    #[arg(long, env = "SOHOA_SIGN_KEY_PASSWORD_FILE", requires = "sign_key")]
    pub sign_key_password_file: Option<std::path::PathBuf>,
    /// The agency's RFC 3161 time-stamping authority (`http://…`): every
    /// signature gets its timestamp (PAdES B-T), kept in the store so that
    /// a retried batch is stamped alike. Without it signatures are B-B.
    #[arg(long, env = "SOHOA_TSA_URL", requires = "sign_key")]
    pub tsa_url: Option<String>,
}

impl KeyArgs {
    /// The signer these flags name, or none.
    fn signer(&self) -> Result<Option<std::sync::Arc<dyn Signer>>, SignError> {
        let Some(key) = &self.sign_key else {
            return Ok(None);
        };
        let signer = FileSigner::load(
            key,
            self.sign_cert.as_deref(),
            self.sign_key_password_file.as_deref(),
        )?;
        Ok(Some(std::sync::Arc::new(signer)))
    }

    /// The key and TSA these flags name together, or none when no key is
    /// given.
    pub fn agency(&self) -> Result<Option<Agency>, SignError> {
        let Some(signer) = self.signer()? else {
            return Ok(None);
        };
        Ok(Some(Agency {
            signer,
            tsa: self.tsa()?,
        }))
    }

    /// The time-stamping authority these flags name, or none.
    fn tsa(&self) -> Result<Option<std::sync::Arc<crate::timestamp::Tsa>>, SignError> {
        let Some(url) = &self.tsa_url else {
            return Ok(None);
        };
        let tsa = crate::timestamp::Tsa::new(url).map_err(SignError::Tsa)?;
        Ok(Some(std::sync::Arc::new(tsa)))
    }
}

/// The agency's signing set-up: its key, and its TSA when signatures are
/// timestamped.
#[derive(Debug, Clone)]
pub struct Agency {
    pub signer: std::sync::Arc<dyn Signer>,
    pub tsa: Option<std::sync::Arc<crate::timestamp::Tsa>>,
}

/// The one rule of an agency's signatures: signed at `at`, with room for
/// a timestamp token when there is a TSA, then stamped by it. Signing is
/// CPU work and stamping asks the network (and the store, which keeps the
/// token), so they are two calls, made in this order.
impl Agency {
    /// `pdf` signed at `at` (PAdES B-B), with room for the TSA's token.
    pub fn sign(
        &self,
        pdf: &[u8],
        at: OffsetDateTime,
    ) -> Result<(Vec<u8>, crate::record::PdfSignature), SignError> {
        let room = if self.tsa.is_some() {
            TIMESTAMP_ROOM
        } else {
            0
        };
        sign_document(pdf, self.signer.as_ref(), at, room)
    }

    /// A PDF this agency signed, timestamped (B-T) when it has a TSA:
    /// the token goes into the signature and `signature` says so.
    /// Without a TSA the PDF is handed back as it is.
    pub async fn stamp(
        &self,
        store: &dyn crate::store::Store,
        pdf: Vec<u8>,
        signature: &mut crate::record::PdfSignature,
    ) -> Result<Vec<u8>, crate::timestamp::TimestampError> {
        match &self.tsa {
            Some(tsa) => tsa.stamp_pdf(store, &pdf, signature).await,
            None => Ok(pdf),
        }
    }
}

/// Whatever holds the agency's key: it gives its certificate chain and
/// signs a SHA-256 digest. Implementations must sign deterministically
/// (RSA PKCS#1 v1.5, Ed25519) or documents stop being reproducible.
pub trait Signer: Send + Sync + std::fmt::Debug {
    /// The signing certificate first, then any CA certificates to embed.
    fn certificates(&self) -> &[Certificate];
    /// The CMS signature algorithm (e.g. rsaEncryption).
    fn algorithm(&self) -> AlgorithmIdentifierOwned;
    /// The signature of a SHA-256 digest.
    fn sign(&self, sha256: &[u8; 32]) -> Result<Vec<u8>, SignError>;
    /// Bytes the signature can take at most (the placeholder's share).
    fn max_signature_len(&self) -> usize;
}

/// An RSA key and its certificate chain from a PKCS#12 file, or from PEM
/// files (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`, and
/// `CERTIFICATE` blocks; key and certificates may share one file). Signs
/// with RSA PKCS#1 v1.5 and SHA-256.
pub struct FileSigner {
    key: rsa::PrivateKey,
    chain: Vec<Certificate>,
}

impl std::fmt::Debug for FileSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileSigner")
            .field("subject", &subject_name(&self.chain[0]))
            .finish_non_exhaustive()
    }
}

/// A key file's error, naming the file.
fn key_error(path: &Path, reason: impl Into<String>) -> SignError {
    SignError::Key {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

impl FileSigner {
    /// Read the key from `key` (PKCS#12, opened with the password in
    /// `password`, or PEM), the certificates from the same file and from
    /// `cert`; the signing certificate is the one whose public key is the
    /// key's, the others are embedded after it.
    pub fn load(
        key: &Path,
        cert: Option<&Path>,
        password: Option<&Path>,
    ) -> Result<FileSigner, SignError> {
        let bytes =
            std::fs::read(key).map_err(|e| key_error(key, format!("cannot be read: {e}")))?;
        let (private, mut chain) = if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            pem_key(key, &bytes)?
        } else {
            pkcs12_key(key, &bytes, password)?
        };
        if let Some(cert) = cert {
            let text =
                std::fs::read(cert).map_err(|e| key_error(cert, format!("cannot be read: {e}")))?;
            let (_, more) = pem_key(cert, &text)?;
            chain.extend(more);
        }
        let private = private.ok_or_else(|| {
            key_error(key, "no private key in it (a PEM PRIVATE KEY or RSA PRIVATE KEY block, or a PKCS#12 key bag)")
        })?;
        FileSigner::new(private, chain).map_err(|reason| key_error(cert.unwrap_or(key), reason))
    }

    /// The signer of `key`, whose certificate is among `chain`.
    fn new(key: rsa::PrivateKey, mut chain: Vec<Certificate>) -> Result<FileSigner, String> {
        use rsa::pkcs8::EncodePublicKey;
        let public = key
            .to_public_key()
            .to_public_key_der()
            .map_err(|e| e.to_string())?;
        let own = chain.iter().position(|c| {
            c.tbs_certificate
                .subject_public_key_info
                .to_der()
                .is_ok_and(|d| d == public.as_bytes())
        });
        let Some(own) = own else {
            return Err(format!(
                "no certificate of the key's public key among the {} given",
                chain.len()
            ));
        };
        let mine = chain.remove(own);
        chain.insert(0, mine);
        Ok(FileSigner { key, chain })
    }
}

/// The key (if any) and certificates of a PEM file.
fn pem_key(
    path: &Path,
    bytes: &[u8],
) -> Result<(Option<rsa::PrivateKey>, Vec<Certificate>), SignError> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    let fail = |reason: String| key_error(path, reason);
    let text = std::str::from_utf8(bytes).map_err(|_| fail("not a PEM text file".into()))?;
    let mut private = None;
    let mut chain = Vec::new();
    for (label, der) in pem_blocks(text).map_err(fail)? {
        match label.as_str() {
            "PRIVATE KEY" => {
                private = Some(
                    rsa::PrivateKey::from_pkcs8_der(&der)
                        .map_err(|e| fail(format!("not an RSA key in PKCS#8 form ({e})")))?,
                )
            }
            "RSA PRIVATE KEY" => {
                private = Some(
                    rsa::PrivateKey::from_pkcs1_der(&der)
                        .map_err(|e| fail(format!("not a PKCS#1 RSA key ({e})")))?,
                )
            }
            "ENCRYPTED PRIVATE KEY" => {
                return Err(fail(
                    "the key is encrypted; give it unencrypted (openssl pkey -in KEY -out PLAIN), kept readable only by sohoa's user, or as PKCS#12 with --sign-key-password-file".into(),
                ));
            }
            "CERTIFICATE" => chain.push(
                Certificate::from_der(&der)
                    .map_err(|e| fail(format!("a certificate cannot be read ({e})")))?,
            ),
            _ => {}
        }
    }
    Ok((private, chain))
}

/// The key and certificates of a PKCS#12 file (p12-keystore: the PBES2
/// AES and legacy 3DES/RC2 schemes openssl and keytool write).
fn pkcs12_key(
    path: &Path,
    bytes: &[u8],
    password: Option<&Path>,
) -> Result<(Option<rsa::PrivateKey>, Vec<Certificate>), SignError> {
    use rsa::pkcs8::DecodePrivateKey;
    let password = match password {
        Some(file) => std::fs::read_to_string(file)
            .map_err(|e| key_error(file, format!("the password file cannot be read: {e}")))?
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
        None => String::new(),
    };
    let store = p12_keystore::KeyStore::from_pkcs12(bytes, &password).map_err(|e| {
        key_error(
            path,
            format!("not a PEM file, and not a PKCS#12 file this password opens ({e}; the password comes from --sign-key-password-file)"),
        )
    })?;
    let Some((_, entry)) = store.private_key_chain() else {
        return Ok((None, Vec::new()));
    };
    let key = rsa::PrivateKey::from_pkcs8_der(entry.key())
        .map_err(|e| key_error(path, format!("its key is not an RSA key ({e})")))?;
    let chain = entry
        .chain()
        .iter()
        .map(|c| Certificate::from_der(c.as_der()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| key_error(path, format!("a certificate cannot be read ({e})")))?;
    Ok((Some(key), chain))
}

impl Signer for FileSigner {
    fn certificates(&self) -> &[Certificate] {
        &self.chain
    }

    fn algorithm(&self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: ID_RSA_ENCRYPTION,
            parameters: Some(Any::null()),
        }
    }

    fn sign(&self, sha256: &[u8; 32]) -> Result<Vec<u8>, SignError> {
        self.key
            .sign(rsa::Pkcs1v15Sign::new::<Sha256>(), sha256)
            .map_err(|e| SignError::Sign(format!("RSA: {e}")))
    }

    fn max_signature_len(&self) -> usize {
        use rsa::traits::PublicKeyParts;
        self.key.size()
    }
}

/// The PEM blocks of `text`: label and DER bytes each.
fn pem_blocks(text: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let label_end = block[11..]
            .find("-----")
            .ok_or("a PEM BEGIN line without its end")?;
        let label = &block[11..11 + label_end];
        let end_line = format!("-----END {label}-----");
        let end = block
            .find(&end_line)
            .ok_or_else(|| format!("no END line for the PEM block {label}"))?
            + end_line.len();
        let (label, der) = der::pem::decode_vec(&block.as_bytes()[..end])
            .map_err(|e| format!("the PEM block {label} cannot be read ({e})"))?;
        out.push((label.to_string(), der));
        rest = &block[end..];
    }
    Ok(out)
}

/// Sign a finished document PDF ([`prepare`], [`Signer::sign`] through
/// [`Prepared::embed`]) and say so as a record does: the signed bytes and
/// their `PdfSignature` (format B-B; a timestamp, when one is added,
/// changes it). `room`: bytes to keep free in the placeholder (for a
/// timestamp, [`TIMESTAMP_ROOM`]).
pub fn sign_document(
    pdf: &[u8],
    signer: &dyn Signer,
    at: OffsetDateTime,
    room: usize,
) -> Result<(Vec<u8>, crate::record::PdfSignature), SignError> {
    let prepared = prepare(pdf, signer, at, room)?;
    let cms = signed_data(signer, &prepared.digest)?;
    let cert = &signer.certificates()[0];
    let cert_der = cert.to_der().map_err(|e| SignError::Sign(e.to_string()))?;
    let record = crate::record::PdfSignature {
        format: FORMAT.into(),
        signed_at: iso_time(at),
        signer: cert.tbs_certificate.subject.to_string(),
        certificate_sha256: hex::encode(Sha256::digest(&cert_der)),
        timestamp: None,
    };
    Ok((prepared.embed(&cms)?, record))
}

/// A PDF with its incremental update appended and the `/Contents`
/// placeholder to fill.
#[derive(Debug)]
pub struct Prepared {
    bytes: Vec<u8>,
    /// Where the placeholder's hex digits start and how many there are.
    hex_at: usize,
    hex_len: usize,
    /// SHA-256 of the bytes `/ByteRange` covers.
    pub digest: [u8; 32],
}

impl Prepared {
    /// The file with the CMS object written into its placeholder.
    pub fn embed(mut self, cms: &[u8]) -> Result<Vec<u8>, SignError> {
        let hex = hex::encode_upper(cms);
        if hex.len() > self.hex_len {
            return Err(SignError::Sign(format!(
                "the CMS signature takes {} bytes, the placeholder {}",
                cms.len(),
                self.hex_len / 2
            )));
        }
        self.bytes[self.hex_at..self.hex_at + hex.len()].copy_from_slice(hex.as_bytes());
        Ok(self.bytes)
    }
}

/// Step 1: append the incremental update to `pdf` and digest the byte range.
pub fn prepare(
    pdf: &[u8],
    signer: &dyn Signer,
    at: OffsetDateTime,
    room: usize,
) -> Result<Prepared, SignError> {
    let doc = Document::load_mem(pdf).map_err(|e| SignError::Pdf(e.to_string()))?;
    let prev = last_startxref(pdf).ok_or_else(|| SignError::Pdf("no startxref".into()))?;
    let Parts {
        root_id,
        mut catalog,
        page_id,
        mut page,
        page_width,
    } = parts(&doc)?;

    let cert = &signer.certificates()[0];
    let line = format!("Ký số bởi {} lúc {}", signer_name(cert), iso_time(at));
    let (appearance, width, height) = appearance(&line, (page_width - 20.0).max(50.0));

    let size = doc.max_id + 1;
    let (sig_id, widget_id, ap_id) = (size, size + 1, size + 2);
    let placeholder = placeholder_len(signer) + 2 * room;

    let mut out = pdf.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets = Vec::new();
    // The signature dictionary: /Contents and /ByteRange are patched later.
    offsets.push((sig_id, out.len()));
    out.extend(format!("{sig_id} 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M ({}) /ByteRange ", pdf_date(at)).as_bytes());
    let range_at = out.len();
    out.extend(format!("[0 {:>10} {:>10} {:>10}]", 0, 0, 0).as_bytes());
    out.extend(b" /Contents <");
    let hex_at = out.len();
    out.extend(std::iter::repeat_n(b'0', placeholder));
    out.extend(b"> >>\nendobj\n");
    let hex_end = hex_at + placeholder + 1; // past '>'
    let gap_start = hex_at - 1; // at '<'
    let widget = Widget {
        ids: (sig_id, widget_id, ap_id),
        page_id,
        size: (width, height),
    };
    widget.write(&mut out, &mut offsets, &appearance);

    annotate(&mut catalog, &mut page, widget_id);
    for (id, dict) in [(root_id, catalog), (page_id, page)] {
        offsets.push((id.0, out.len()));
        out.extend(format!("{} {} obj\n", id.0, id.1).as_bytes());
        write_object(&mut out, &Object::Dictionary(dict))?;
        out.extend(b"\nendobj\n");
    }

    write_xref(
        &mut out,
        offsets,
        &doc.trailer,
        (root_id, page_id),
        size + 3,
        prev,
    )?;

    let digest = byte_range(&mut out, range_at, gap_start..hex_end);
    Ok(Prepared {
        bytes: out,
        hex_at,
        hex_len: placeholder,
        digest,
    })
}

/// Write the `/ByteRange` (at `range_at`, over the whole file but `gap`)
/// and digest the bytes it covers.
fn byte_range(out: &mut [u8], range_at: usize, gap: std::ops::Range<usize>) -> [u8; 32] {
    let range = format!(
        "[0 {:>10} {:>10} {:>10}]",
        gap.start,
        gap.end,
        out.len() - gap.end
    );
    out[range_at..range_at + range.len()].copy_from_slice(range.as_bytes());
    let mut h = Sha256::new();
    h.update(&out[..gap.start]);
    h.update(&out[gap.end..]);
    h.finalize().into()
}

/// Hex digits the `/Contents` placeholder holds: room for the CMS object
/// (its certificates, the signature, the rest).
fn placeholder_len(signer: &dyn Signer) -> usize {
    let certificates: usize = signer
        .certificates()
        .iter()
        .map(|c| c.to_der().map(|d| d.len()).unwrap_or(4096))
        .sum();
    2 * (certificates + signer.max_signature_len() + 1024)
}

/// The signature field in the catalog's new `/AcroForm` and on the page.
fn annotate(catalog: &mut Dictionary, page: &mut Dictionary, widget_id: u32) {
    catalog.set(
        "AcroForm",
        Object::Dictionary(dictionary! {
            "Fields" => vec![Object::Reference((widget_id, 0))],
            "SigFlags" => 3,
        }),
    );
    let mut annots = match page.get(b"Annots") {
        Ok(Object::Array(a)) => a.clone(),
        _ => Vec::new(),
    };
    annots.push(Object::Reference((widget_id, 0)));
    page.set("Annots", annots);
}

/// The catalog and first page of the PDF to sign, and the page's width.
struct Parts {
    root_id: lopdf::ObjectId,
    catalog: Dictionary,
    page_id: lopdf::ObjectId,
    page: Dictionary,
    page_width: f32,
}

fn parts(doc: &Document) -> Result<Parts, SignError> {
    let bad = |e: lopdf::Error| SignError::Pdf(e.to_string());
    let root_id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(bad)?;
    let catalog = doc.get_dictionary(root_id).map_err(bad)?.clone();
    if catalog.get(b"AcroForm").is_ok() {
        return Err(SignError::Pdf(
            "the PDF already has a form (/AcroForm): sohoa signs only the PDFs it rendered".into(),
        ));
    }
    let page_id = doc
        .get_pages()
        .into_values()
        .next()
        .ok_or_else(|| SignError::Pdf("the PDF has no page".into()))?;
    let page = doc.get_dictionary(page_id).map_err(bad)?.clone();
    let media = page
        .get(b"MediaBox")
        .and_then(Object::as_array)
        .map_err(bad)?
        .iter()
        .map(|o| o.as_float().unwrap_or(0.0))
        .collect::<Vec<f32>>();
    let page_width = media.get(2).copied().unwrap_or(595.0);
    Ok(Parts {
        root_id,
        catalog,
        page_id,
        page,
        page_width,
    })
}

/// The signature field's widget (printed, locked, at the page's foot)
/// and its appearance stream.
struct Widget {
    /// The signature dictionary's, the widget's and the appearance's ids.
    ids: (u32, u32, u32),
    page_id: lopdf::ObjectId,
    size: (f32, f32),
}

impl Widget {
    fn write(&self, out: &mut Vec<u8>, offsets: &mut Vec<(u32, usize)>, appearance: &[u8]) {
        let (sig_id, widget_id, ap_id) = self.ids;
        let (width, height) = self.size;
        offsets.push((widget_id, out.len()));
        let rect = format!("[10 10 {:.2} {:.2}]", 10.0 + width, 10.0 + height);
        out.extend(format!(
            "{widget_id} 0 obj\n<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /V {sig_id} 0 R /F 132 /Rect {rect} /P {} {} R /AP << /N {ap_id} 0 R >> >>\nendobj\n",
            self.page_id.0, self.page_id.1
        ).as_bytes());
        offsets.push((ap_id, out.len()));
        out.extend(format!(
            "{ap_id} 0 obj\n<< /Type /XObject /Subtype /Form /BBox [0 0 {width:.2} {height:.2}] /Resources << >> /Length {} >>\nstream\n",
            appearance.len()
        ).as_bytes());
        out.extend(appearance);
        out.extend(b"\nendstream\nendobj\n");
    }
}

/// The update's xref section (one subsection per object: ids in
/// `offsets`, generation 0 but for the catalog's and page's) and its
/// trailer: the old trailer's `/Root`, `/Info` and `/ID`, and `/Prev`.
fn write_xref(
    out: &mut Vec<u8>,
    mut offsets: Vec<(u32, usize)>,
    old: &Dictionary,
    (root_id, page_id): (lopdf::ObjectId, lopdf::ObjectId),
    size: u32,
    prev: usize,
) -> Result<(), SignError> {
    let xref_at = out.len();
    offsets.sort();
    out.extend(b"xref\n0 1\n0000000000 65535 f\r\n");
    let generation = |id: u32| match id {
        _ if id == root_id.0 => root_id.1,
        _ if id == page_id.0 => page_id.1,
        _ => 0,
    };
    for (id, at) in &offsets {
        out.extend(format!("{id} 1\n{at:010} {:05} n\r\n", generation(*id)).as_bytes());
    }
    let mut trailer = Dictionary::new();
    trailer.set("Size", i64::from(size));
    trailer.set("Root", Object::Reference(root_id));
    for key in [&b"Info"[..], b"ID"] {
        if let Ok(v) = old.get(key) {
            trailer.set(key.to_vec(), v.clone());
        }
    }
    trailer.set("Prev", prev as i64);
    out.extend(b"trailer\n");
    write_object(out, &Object::Dictionary(trailer))?;
    out.extend(format!("\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
    Ok(())
}

fn write_object(out: &mut Vec<u8>, o: &Object) -> Result<(), SignError> {
    lopdf::Writer::write_object(out, o).map_err(|e| SignError::Pdf(e.to_string()))
}

/// The offset the file's last `startxref` names.
fn last_startxref(pdf: &[u8]) -> Option<usize> {
    let tail = &pdf[pdf.len().saturating_sub(1024)..];
    let at = tail.windows(9).rposition(|w| w == b"startxref")?;
    std::str::from_utf8(&tail[at + 9..])
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Step 2: the CMS `SignedData` (detached) over `digest`, signed by `signer`.
pub fn signed_data(signer: &dyn Signer, digest: &[u8; 32]) -> Result<Vec<u8>, SignError> {
    let e = |e: der::Error| SignError::Sign(format!("CMS encoding: {e}"));
    let chain = signer.certificates();
    let cert = &chain[0];
    let cert_der = cert.to_der().map_err(e)?;
    // ESS signing-certificate-v2 (RFC 5035): the certificate's SHA-256
    // (the default hash, so left out) and its issuer and serial number.
    let issuer = cert.tbs_certificate.issuer.to_der().map_err(e)?;
    let serial = cert.tbs_certificate.serial_number.to_der().map_err(e)?;
    let general_names = tlv(0x30, &tlv(0xA4, &issuer));
    let issuer_serial = tlv(0x30, &[general_names, serial].concat());
    let cert_hash = tlv(0x04, &Sha256::digest(&cert_der));
    let ess = tlv(
        0x30,
        &tlv(0x30, &tlv(0x30, &[cert_hash, issuer_serial].concat())),
    );
    let attribute = |oid, value: Vec<u8>| -> Result<Attribute, SignError> {
        Ok(Attribute {
            oid,
            values: SetOfVec::try_from(vec![Any::from_der(&value).map_err(e)?]).map_err(e)?,
        })
    };
    let signed_attrs = SetOfVec::try_from(vec![
        attribute(ID_CONTENT_TYPE, ID_DATA.to_der().map_err(e)?)?,
        attribute(ID_MESSAGE_DIGEST, tlv(0x04, digest))?,
        attribute(ID_SIGNING_CERTIFICATE_V2, ess)?,
    ])
    .map_err(e)?;
    let to_sign = signed_attrs.to_der().map_err(e)?;
    let signature = signer.sign(&Sha256::digest(&to_sign).into())?;
    let sha256 = AlgorithmIdentifierOwned {
        oid: ID_SHA256,
        parameters: None,
    };
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate.issuer.clone(),
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256.clone(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: signer.algorithm(),
        signature: OctetString::new(signature).map_err(e)?,
        unsigned_attrs: None,
    };
    let certificates = chain
        .iter()
        .cloned()
        .map(CertificateChoices::Certificate)
        .collect::<Vec<_>>();
    let data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256]).map_err(e)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(certificates).map_err(e)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info]).map_err(e)?),
    };
    ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&data).map_err(e)?,
    }
    .to_der()
    .map_err(e)
}

/// Where a signed PDF's CMS object is: the hex digits between `/Contents
/// <` and `>` that `/ByteRange` leaves out (of the file's last signature).
#[derive(Debug, Clone)]
pub struct Slot {
    hex: std::ops::Range<usize>,
    /// The CMS `SignedData` there.
    cms: SignedData,
}

impl Slot {
    /// The signature value of the (first) signer: what a timestamp stamps.
    pub fn signature(&self) -> &[u8] {
        self.cms
            .signer_infos
            .0
            .get(0)
            .map(|s| s.signature.as_bytes())
            .unwrap_or_default()
    }
}

/// The slot of the last signature of a PDF signed by [`sign_document`].
pub fn signature_slot(pdf: &[u8]) -> Result<Slot, SignError> {
    let bad = |why: &str| SignError::Pdf(format!("no signature to timestamp: {why}"));
    let at = pdf
        .windows(12)
        .rposition(|w| w == b"/ByteRange [")
        .ok_or_else(|| bad("no /ByteRange"))?;
    let numbers: Vec<usize> = std::str::from_utf8(&pdf[at + 12..(at + 60).min(pdf.len())])
        .unwrap_or_default()
        .split(']')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    let [0, gap, resume, _] = numbers[..] else {
        return Err(bad("a /ByteRange of another shape"));
    };
    if gap + 2 > resume || resume > pdf.len() || pdf[gap] != b'<' || pdf[resume - 1] != b'>' {
        return Err(bad("/ByteRange does not bound /Contents"));
    }
    let hex = gap + 1..resume - 1;
    let bytes = hex::decode(&pdf[hex.clone()]).map_err(|_| bad("/Contents is not hex"))?;
    let mut reader = der::SliceReader::new(&bytes).map_err(|e| SignError::Pdf(e.to_string()))?;
    let info = ContentInfo::decode(&mut reader)
        .map_err(|e| SignError::Pdf(format!("the signature is not CMS ({e})")))?;
    let cms = info
        .content
        .decode_as::<SignedData>()
        .map_err(|e| SignError::Pdf(format!("the signature is not a SignedData ({e})")))?;
    Ok(Slot { hex, cms })
}

/// Step 4 (B-T): the PDF with `token` (an RFC 3161 `TimeStampToken` over
/// the slot's signature value) added to its signer as the unsigned
/// attribute id-aa-signatureTimeStampToken, written into the same
/// placeholder: no byte inside `/ByteRange` moves.
pub fn embed_timestamp(pdf: &[u8], slot: Slot, token: &[u8]) -> Result<Vec<u8>, SignError> {
    let e = |e: der::Error| SignError::Sign(format!("CMS encoding: {e}"));
    let Slot { hex, mut cms } = slot;
    let mut signers = cms.signer_infos.0.into_vec();
    let signer = signers
        .first_mut()
        .ok_or_else(|| SignError::Pdf("the signature has no signer".into()))?;
    let attribute = Attribute {
        oid: ID_SIGNATURE_TIMESTAMP_TOKEN,
        values: SetOfVec::try_from(vec![Any::from_der(token).map_err(e)?]).map_err(e)?,
    };
    signer.unsigned_attrs = Some(SetOfVec::try_from(vec![attribute]).map_err(e)?);
    cms.signer_infos = SignerInfos(SetOfVec::try_from(signers).map_err(e)?);
    let der = ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&cms).map_err(e)?,
    }
    .to_der()
    .map_err(e)?;
    let digits = hex::encode_upper(&der);
    if digits.len() > hex.len() {
        return Err(SignError::Sign(format!(
            "the timestamped signature takes {} bytes, the placeholder {}",
            der.len(),
            hex.len() / 2
        )));
    }
    let mut out = pdf.to_vec();
    out[hex.clone()].fill(b'0');
    out[hex.start..hex.start + digits.len()].copy_from_slice(digits.as_bytes());
    Ok(out)
}

/// A DER tag-length-value.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend(content);
    out
}

/// The signer's name for the visible line: the certificate's common
/// name, else its whole subject.
fn signer_name(cert: &Certificate) -> String {
    use der::asn1::{PrintableStringRef, Utf8StringRef};
    let subject = &cert.tbs_certificate.subject;
    for rdn in subject.0.iter().rev() {
        for atv in rdn.0.iter() {
            if atv.oid == ID_COMMON_NAME {
                if let Ok(s) = Utf8StringRef::try_from(&atv.value) {
                    return s.as_str().to_string();
                }
                if let Ok(s) = PrintableStringRef::try_from(&atv.value) {
                    return s.as_str().to_string();
                }
            }
        }
    }
    subject.to_string()
}

fn subject_name(cert: &Certificate) -> String {
    cert.tbs_certificate.subject.to_string()
}

/// ISO 8601 in Vietnam's offset, to the second: `2026-12-05T10:00:00+07:00`.
pub fn iso_time(t: OffsetDateTime) -> String {
    in_vietnam(
        t,
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+07:00"),
    )
}

/// A PDF date in Vietnam's offset: `D:20261205100000+07'00'`.
fn pdf_date(t: OffsetDateTime) -> String {
    in_vietnam(
        t,
        time::macros::format_description!("D:[year][month][day][hour][minute][second]+07'00'"),
    )
}

fn in_vietnam(
    t: OffsetDateTime,
    format: &[time::format_description::BorrowedFormatItem<'_>],
) -> String {
    // Formatting fails only for years past 9999 or a format naming a
    // component a date-time lacks; neither can happen here.
    t.to_offset(VIETNAM).format(format).unwrap_or_default()
}

/// The visible line's appearance stream: a white box and `text` in black
/// glyph outlines, at most `max_width` wide; with its width and height.
fn appearance(text: &str, max_width: f32) -> (Vec<u8>, f32, f32) {
    use unicode_normalization::UnicodeNormalization;
    let Ok(face) = ttf_parser::Face::parse(SIGN_FONT, 0) else {
        return (Vec::new(), 1.0, 1.0);
    };
    let text: String = text.nfc().collect();
    let units = f32::from(face.units_per_em().max(1));
    let glyphs: Vec<ttf_parser::GlyphId> = text
        .chars()
        .map(|c| {
            face.glyph_index(c)
                .or_else(|| face.glyph_index('?'))
                .unwrap_or_default()
        })
        .collect();
    let advance: f32 = glyphs
        .iter()
        .map(|&g| f32::from(face.glyph_hor_advance(g).unwrap_or(0)))
        .sum();
    let pad = 3.0;
    let size = (8.0f32).min((max_width - 2.0 * pad) * units / advance.max(1.0));
    let scale = size / units;
    let width = advance * scale + 2.0 * pad;
    let height = size * 1.5 + 2.0 * pad;
    let mut path = Outline {
        out: String::new(),
        scale,
        x: pad,
        y: pad + size * 0.35,
        last: (0.0, 0.0),
    };
    for g in glyphs {
        face.outline_glyph(g, &mut path);
        path.x += f32::from(face.glyph_hor_advance(g).unwrap_or(0)) * scale;
    }
    let stream = format!(
        "q 1 g 0 0 {width:.2} {height:.2} re f 0 g\n{}f Q\n",
        path.out
    );
    (stream.into_bytes(), width, height)
}

/// Glyph outlines as PDF path operators (quadratic curves raised to cubic).
struct Outline {
    out: String,
    scale: f32,
    x: f32,
    y: f32,
    last: (f32, f32),
}

impl Outline {
    fn at(&self, x: f32, y: f32) -> (f32, f32) {
        (self.x + x * self.scale, self.y + y * self.scale)
    }
}

impl ttf_parser::OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        let (x, y) = self.at(x, y);
        self.out += &format!("{x:.2} {y:.2} m\n");
        self.last = (x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let (x, y) = self.at(x, y);
        self.out += &format!("{x:.2} {y:.2} l\n");
        self.last = (x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (qx, qy) = self.at(x1, y1);
        let (x, y) = self.at(x, y);
        let (px, py) = self.last;
        let c1 = (px + 2.0 / 3.0 * (qx - px), py + 2.0 / 3.0 * (qy - py));
        let c2 = (x + 2.0 / 3.0 * (qx - x), y + 2.0 / 3.0 * (qy - y));
        self.out += &format!(
            "{:.2} {:.2} {:.2} {:.2} {x:.2} {y:.2} c\n",
            c1.0, c1.1, c2.0, c2.1
        );
        self.last = (x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (a, b) = self.at(x1, y1);
        let (c, d) = self.at(x2, y2);
        let (x, y) = self.at(x, y);
        self.out += &format!("{a:.2} {b:.2} {c:.2} {d:.2} {x:.2} {y:.2} c\n");
        self.last = (x, y);
    }
    fn close(&mut self) {
        self.out += "h\n";
    }
}

/// The signing time of a batch from its claim's time (a key time segment,
/// `20261205T030000.000000Z`).
pub fn time_of_claim(segment: &str) -> Option<OffsetDateTime> {
    let fmt = time::macros::format_description!(
        "[year][month][day]T[hour][minute][second].[subsecond digits:6]Z"
    );
    time::PrimitiveDateTime::parse(segment, &fmt)
        .ok()
        .map(|t| t.assume_utc())
}
