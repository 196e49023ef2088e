//! PDF/A-2b, checked in part: the rules of ISO 19005-2 that can be
//! checked offline from a file's structure, without rendering it or
//! validating its signature's cryptography (`sohoa pdf-check`, and the
//! tests on every PDF sohoa writes).
//!
//! Each check names its clause and, when it fails, the object and what it
//! lacks. What is **not** checked is listed in [`NOT_CHECKED`] and printed
//! with every report: this is no substitute for a full validator such as
//! veraPDF.

use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId};
use serde::Serialize;

/// What the report covers, printed with it.
pub const SCOPE: &str = "partial PDF/A-2b check: only the ISO 19005-2 rules listed below, \
read from the file's structure; not a full validation (use veraPDF for that)";

/// PDF/A-2b rules this module does not check.
pub const NOT_CHECKED: &[&str] = &[
    "6.1.4-6.1.13: cross-reference layout, string and name syntax, stream lengths and keywords, inline images (their filters included), permissions, implementation limits",
    "6.2.2, 6.2.4-6.2.9: content stream operators and resources, colour spaces used by content (device colour against the output intent), graphics states, rendering intents, images, XObjects",
    "6.2.10: transparency (blend modes, soft masks, group colour spaces)",
    "6.2.11.2-6.2.11.8: font types, CIDSystemInfo and CIDToGIDMap, CMaps, subsets, widths, encodings, .notdef glyphs; only that each program is embedded",
    "6.3: annotations (types, flags, appearance streams, /A on widgets); 6.4.1-6.4.2: form fields, NeedAppearances, XFA",
    "6.4.3: the signature's CMS contents (signing certificate, one signer); only its byte range",
    "6.6.2.1-6.6.2.3: XMP beyond the PDF/A identification and the packet header (RDF syntax, extension schemas), and its agreement with the Info dictionary (6.6.3)",
    "6.8-6.11: embedded files, optional content, alternate presentations, document requirements",
    "damage lopdf repairs silently while loading (a broken cross-reference table is rebuilt, not reported)",
];

/// One rule checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    FileHeader,
    FileTrailer,
    NotEncrypted,
    StreamFilters,
    XmpIdentification,
    OutputIntent,
    FontsEmbedded,
    NoJavascript,
    NoTriggerActions,
    Signature,
}

impl CheckId {
    pub const ALL: [CheckId; 10] = [
        CheckId::FileHeader,
        CheckId::FileTrailer,
        CheckId::NotEncrypted,
        CheckId::StreamFilters,
        CheckId::XmpIdentification,
        CheckId::OutputIntent,
        CheckId::FontsEmbedded,
        CheckId::NoJavascript,
        CheckId::NoTriggerActions,
        CheckId::Signature,
    ];

    /// The ISO 19005-2 clause the check stands for.
    pub fn clause(self) -> &'static str {
        match self {
            CheckId::FileHeader => "6.1.2",
            CheckId::FileTrailer => "6.1.3",
            CheckId::NotEncrypted => "6.1.3",
            CheckId::StreamFilters => "6.1.7",
            CheckId::XmpIdentification => "6.6.2.1, 6.6.4",
            CheckId::OutputIntent => "6.2.3",
            CheckId::FontsEmbedded => "6.2.11.4.1",
            CheckId::NoJavascript => "6.5.1",
            CheckId::NoTriggerActions => "6.5.2, 6.3.3, 6.4.1",
            CheckId::Signature => "6.4.3",
        }
    }

    /// What the check asks, in a line.
    pub fn title(self) -> &'static str {
        match self {
            CheckId::FileHeader => "header %PDF-1.n (n <= 7) followed by a binary comment",
            CheckId::FileTrailer => "trailer with a file ID, nothing after %%EOF",
            CheckId::NotEncrypted => "not encrypted (no /Encrypt)",
            CheckId::StreamFilters => {
                "standard filters only (no LZWDecode, no Crypt), no external stream data"
            }
            CheckId::XmpIdentification => {
                "XMP metadata in the catalog: pdfaid:part 2, pdfaid:conformance B (or U, A)"
            }
            CheckId::OutputIntent => "GTS_PDFA1 output intent with a valid ICC DestOutputProfile",
            CheckId::FontsEmbedded => "every font's program embedded",
            CheckId::NoJavascript => "no JavaScript and no other forbidden action",
            CheckId::NoTriggerActions => "no additional-actions (/AA) entries",
            CheckId::Signature => {
                "each signature's /ByteRange covers the whole file but its /Contents"
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// Nothing to check (a signature check on an unsigned file not
    /// expected to be signed).
    NotApplicable,
}

/// One check's outcome, with what it found or what is missing.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub check: CheckId,
    pub clause: &'static str,
    pub title: &'static str,
    pub outcome: Outcome,
    pub detail: String,
}

/// Every check on one file. `partial` is always true: see [`SCOPE`].
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub partial: bool,
    pub scope: &'static str,
    pub not_checked: &'static [&'static str],
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether no check failed.
    pub fn passed(&self) -> bool {
        self.failures().next().is_none()
    }

    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.outcome == Outcome::Fail)
    }

    pub fn get(&self, id: CheckId) -> Option<&Check> {
        self.checks.iter().find(|c| c.check == id)
    }
}

/// What the caller knows of the file beyond its bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Expect {
    /// The record says the file was signed: at least one signature must
    /// be there (its byte range is checked whether expected or not).
    pub signed: bool,
}

/// The file is not a PDF lopdf can parse.
#[derive(Debug, thiserror::Error)]
#[error("not a PDF that can be parsed: {0}")]
pub struct NotPdf(String);

/// The most a stream read by a check (XMP, ICC profile, font program) may
/// inflate to, and the cap for streams decoded while loading.
const MAX_STREAM: usize = 64 << 20;

/// Check `bytes` against the PDF/A-2b rules this module covers.
pub fn check(bytes: &[u8], expect: Expect) -> Result<Report, NotPdf> {
    let doc =
        Document::load_mem_with_options(bytes, LoadOptions::with_max_decompressed_size(MAX_STREAM))
            .map_err(|e| NotPdf(e.to_string()))?;
    let checks = CheckId::ALL
        .iter()
        .map(|&id| {
            let (outcome, detail) = match run(id, bytes, &doc, expect) {
                Found::Pass(d) => (Outcome::Pass, d),
                Found::Fail(d) => (Outcome::Fail, d),
                Found::NotApplicable(d) => (Outcome::NotApplicable, d),
            };
            Check {
                check: id,
                clause: id.clause(),
                title: id.title(),
                outcome,
                detail,
            }
        })
        .collect();
    Ok(Report {
        partial: true,
        scope: SCOPE,
        not_checked: NOT_CHECKED,
        checks,
    })
}

enum Found {
    Pass(String),
    Fail(String),
    NotApplicable(String),
}

impl From<Result<String, String>> for Found {
    fn from(r: Result<String, String>) -> Self {
        match r {
            Ok(d) => Found::Pass(d),
            Err(d) => Found::Fail(d),
        }
    }
}

fn run(id: CheckId, bytes: &[u8], doc: &Document, expect: Expect) -> Found {
    match id {
        CheckId::FileHeader => file_header(bytes).into(),
        CheckId::FileTrailer => file_trailer(bytes, doc).into(),
        CheckId::NotEncrypted => not_encrypted(doc).into(),
        CheckId::StreamFilters => stream_filters(doc).into(),
        CheckId::XmpIdentification => xmp_identification(doc).into(),
        CheckId::OutputIntent => output_intent(doc).into(),
        CheckId::FontsEmbedded => fonts_embedded(doc).into(),
        CheckId::NoJavascript => no_javascript(doc).into(),
        CheckId::NoTriggerActions => no_trigger_actions(doc).into(),
        CheckId::Signature => signature(bytes, doc, expect),
    }
}

/// `12 0` for an object id, as people reading the file with a PDF tool
/// find it.
fn name_id(id: ObjectId) -> String {
    format!("object {} {}", id.0, id.1)
}

/// Every dictionary in the file (stream dictionaries included, and the
/// dictionaries nested directly inside objects), with the object holding it.
fn dictionaries(doc: &Document) -> Vec<(ObjectId, &Dictionary)> {
    fn walk<'a>(id: ObjectId, o: &'a Object, out: &mut Vec<(ObjectId, &'a Dictionary)>) {
        match o {
            Object::Dictionary(d) => {
                out.push((id, d));
                d.iter().for_each(|(_, v)| walk(id, v, out));
            }
            Object::Stream(s) => {
                out.push((id, &s.dict));
                s.dict.iter().for_each(|(_, v)| walk(id, v, out));
            }
            Object::Array(a) => a.iter().for_each(|v| walk(id, v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (id, o) in &doc.objects {
        walk(*id, o, &mut out);
    }
    out
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> Option<(Option<ObjectId>, &'a Object)> {
    doc.dereference(o).ok()
}

fn name_of(d: &Dictionary, key: &[u8]) -> Option<String> {
    d.get(key)
        .and_then(Object::as_name)
        .ok()
        .map(|n| String::from_utf8_lossy(n).into_owned())
}

/// 6.1.2: `%PDF-1.n` at offset 0, then a comment of at least four bytes
/// above 127.
fn file_header(bytes: &[u8]) -> Result<String, String> {
    let line_end = bytes
        .iter()
        .take(32)
        .position(|&b| b == b'\n' || b == b'\r')
        .ok_or(
            "no end of line in the first 32 bytes: the file does not start with a %PDF-1.n line",
        )?;
    let header = String::from_utf8_lossy(&bytes[..line_end]).into_owned();
    let version_ok = header.len() == 8
        && header.starts_with("%PDF-1.")
        && matches!(header.as_bytes()[7], b'0'..=b'7');
    if !version_ok {
        return Err(format!(
            "the file starts with {header:?}, not %PDF-1.0 to %PDF-1.7"
        ));
    }
    let mut rest = &bytes[line_end..];
    while let [b'\r' | b'\n', tail @ ..] = rest {
        rest = tail;
    }
    match rest {
        [b'%', a, b, c, d, ..] if [a, b, c, d].iter().all(|&&x| x > 127) => {
            Ok(format!("{header} and a binary comment"))
        }
        _ => Err(format!(
            "{header} is not followed by a comment line of four bytes above 127 \
(e.g. %\\xE2\\xE3\\xCF\\xD3) marking the file binary"
        )),
    }
}

/// 6.1.3: the trailer holds `/ID`; nothing but one end-of-line after the
/// last `%%EOF`.
fn file_trailer(bytes: &[u8], doc: &Document) -> Result<String, String> {
    let id_ok = doc
        .trailer
        .get(b"ID")
        .and_then(Object::as_array)
        .is_ok_and(|a| a.len() == 2 && a.iter().all(|s| s.as_str().is_ok()));
    if !id_ok {
        return Err("the trailer has no /ID array of two strings".into());
    }
    let Some(eof) = bytes.windows(5).rposition(|w| w == b"%%EOF") else {
        return Err("the file has no %%EOF marker".into());
    };
    let after = &bytes[eof + 5..];
    if !matches!(after, [] | [b'\n'] | [b'\r'] | [b'\r', b'\n']) {
        return Err(format!(
            "{} bytes follow the last %%EOF (at most one end-of-line may)",
            after.len()
        ));
    }
    Ok("the trailer has /ID; the file ends at %%EOF".into())
}

/// 6.1.3: no `/Encrypt` (lopdf opens a file encrypted with an empty
/// password and takes `/Encrypt` out of the trailer, so ask it too).
fn not_encrypted(doc: &Document) -> Result<String, String> {
    if doc.was_encrypted() || doc.trailer.has(b"Encrypt") {
        return Err("the trailer has /Encrypt: the file is encrypted".into());
    }
    Ok("no /Encrypt in the trailer".into())
}

/// The filters ISO 32000-1 Table 6 lists that PDF/A-2 allows (all but
/// LZWDecode; Crypt only as Identity).
const ALLOWED_FILTERS: &[&str] = &[
    "ASCIIHexDecode",
    "ASCII85Decode",
    "FlateDecode",
    "RunLengthDecode",
    "CCITTFaxDecode",
    "JBIG2Decode",
    "DCTDecode",
    "JPXDecode",
];

/// 6.1.7: every stream filter is a standard one other than LZWDecode
/// (Crypt only as Identity), and no stream keeps its data in an external
/// file (`/F`, `/FFilter`, `/FDecodeParms`).
fn stream_filters(doc: &Document) -> Result<String, String> {
    let mut bad = Vec::new();
    for (id, o) in &doc.objects {
        let Object::Stream(s) = o else { continue };
        let identity = s
            .dict
            .get(b"DecodeParms")
            .and_then(Object::as_dict)
            .is_ok_and(|p| name_of(p, b"Name").as_deref() == Some("Identity"));
        for f in s.filters().unwrap_or_default() {
            let f = String::from_utf8_lossy(f);
            let allowed = ALLOWED_FILTERS.contains(&&*f) || (f == "Crypt" && identity);
            if !allowed {
                bad.push(format!("{} uses the /{f} filter", name_id(*id)));
            }
        }
        for key in ["F", "FFilter", "FDecodeParms"] {
            if s.dict.has(key.as_bytes()) {
                bad.push(format!(
                    "{} has /{key} (external stream data)",
                    name_id(*id)
                ));
            }
        }
    }
    if bad.is_empty() {
        Ok("every stream filter is allowed; no external stream data".into())
    } else {
        Err(bad.join("; "))
    }
}

const PDFAID_NS: &str = "http://www.aiim.org/pdfa/ns/id/";

/// 6.6.2.1 and 6.6.4: the catalog's `/Metadata` is an XMP stream (`/Type
/// /Metadata /Subtype /XML`) identifying PDF/A-2 conformance level B, as
/// attributes or elements of an `rdf:Description`.
fn xmp_identification(doc: &Document) -> Result<String, String> {
    let catalog = doc
        .catalog()
        .map_err(|e| format!("the catalog cannot be read: {e}"))?;
    let meta = catalog
        .get(b"Metadata")
        .map_err(|_| "the catalog has no /Metadata (an XMP stream)".to_string())?;
    let (id, meta) = deref(doc, meta).ok_or("the catalog's /Metadata names no object")?;
    let at = id
        .map(name_id)
        .unwrap_or_else(|| "the catalog's /Metadata".into());
    let stream = meta
        .as_stream()
        .map_err(|_| format!("{at} (/Metadata) is not a stream"))?;
    let kinds = (
        name_of(&stream.dict, b"Type"),
        name_of(&stream.dict, b"Subtype"),
    );
    if kinds != (Some("Metadata".into()), Some("XML".into())) {
        return Err(format!(
            "{at} (/Metadata) lacks /Type /Metadata /Subtype /XML"
        ));
    }
    let xml = stream
        .get_plain_content_with_limit(MAX_STREAM)
        .map_err(|e| format!("{at} (/Metadata) cannot be decoded: {e}"))?;
    let xml =
        std::str::from_utf8(&xml).map_err(|_| format!("{at} (/Metadata) is not UTF-8 XML"))?;
    let (part, conformance) = pdfaid(xml).map_err(|e| format!("{at} (/Metadata): {e}"))?;
    match (part.as_deref(), conformance.as_deref()) {
        // Levels U and A include B (veraPDF's PDF/A-2B profile takes all three).
        (Some("2"), Some(level @ ("B" | "U" | "A"))) => Ok(format!(
            "{at} declares pdfaid:part 2, pdfaid:conformance {level}"
        )),
        _ => Err(format!(
            "{at} declares pdfaid:part {} and pdfaid:conformance {} (PDF/A-2b needs 2 and B)",
            part.as_deref().unwrap_or("(none)"),
            conformance.as_deref().unwrap_or("(none)"),
        )),
    }
}

/// `pdfaid:part` and `pdfaid:conformance` from an XMP packet, whether
/// written as attributes or as elements of the PDF/A identification
/// namespace, which 6.6.4 wants bound to the prefix `pdfaid`; an xpacket
/// header with `bytes` or `encoding` is refused (6.6.2.1).
fn pdfaid(xml: &str) -> Result<(Option<String>, Option<String>), String> {
    let xml = xml.trim_start_matches('\u{feff}');
    let tree = roxmltree::Document::parse(xml).map_err(|e| format!("not well-formed XML: {e}"))?;
    let (mut part, mut conformance) = (None, None);
    for node in tree.descendants() {
        if let Some(pi) = node.pi()
            && pi.target == "xpacket"
            && let Some(attr) = ["bytes=", "encoding="]
                .into_iter()
                .find(|a| pi.value.unwrap_or("").contains(a))
        {
            return Err(format!(
                "the xpacket header has a {attr} attribute (6.6.2.1 forbids it)"
            ));
        }
        if !node.is_element() {
            continue;
        }
        let prefix = node.lookup_prefix(PDFAID_NS);
        let mut found = |name: &str, value: &str| {
            let slot = match name {
                "part" => &mut part,
                "conformance" => &mut conformance,
                _ => return Ok(()),
            };
            if prefix != Some("pdfaid") {
                return Err(format!(
                    "pdfaid:{name} is written with the prefix {:?}; 6.6.4 requires pdfaid",
                    prefix.unwrap_or("")
                ));
            }
            *slot = Some(value.trim().to_string());
            Ok(())
        };
        for a in node.attributes() {
            if a.namespace() == Some(PDFAID_NS) {
                found(a.name(), a.value())?;
            }
        }
        if node.tag_name().namespace() == Some(PDFAID_NS) {
            found(node.tag_name().name(), node.text().unwrap_or(""))?;
        }
    }
    Ok((part, conformance))
}

/// 6.2.3: an output intent with `/S /GTS_PDFA1` whose
/// `/DestOutputProfile` is an ICC output or display profile with as many
/// components as its `/N` says; every output intent with a profile names
/// the same one.
fn output_intent(doc: &Document) -> Result<String, String> {
    let catalog = doc
        .catalog()
        .map_err(|e| format!("the catalog cannot be read: {e}"))?;
    let intents = catalog
        .get(b"OutputIntents")
        .ok()
        .and_then(|o| deref(doc, o))
        .and_then(|(_, o)| o.as_array().ok())
        .ok_or("the catalog has no /OutputIntents array")?;
    let mut profiles = Vec::new();
    let mut pdfa = None;
    for item in intents {
        let Some((id, Ok(intent))) = deref(doc, item).map(|(id, o)| (id, o.as_dict())) else {
            return Err("an /OutputIntents entry is not a dictionary".into());
        };
        if let Ok(Object::Reference(p)) = intent.get(b"DestOutputProfile") {
            profiles.push(*p);
        }
        if name_of(intent, b"S").as_deref() == Some("GTS_PDFA1") {
            pdfa = Some((id, intent));
        }
    }
    profiles.sort();
    profiles.dedup();
    if profiles.len() > 1 {
        return Err("output intents name different DestOutputProfile objects".into());
    }
    let (id, intent) = pdfa.ok_or("no output intent has /S /GTS_PDFA1")?;
    let at = id
        .map(name_id)
        .unwrap_or_else(|| "the GTS_PDFA1 output intent".into());
    let profile = intent
        .get(b"DestOutputProfile")
        .ok()
        .and_then(|o| deref(doc, o))
        .ok_or(format!(
            "{at} (GTS_PDFA1 output intent) has no /DestOutputProfile"
        ))?;
    let pat = profile
        .0
        .map(name_id)
        .unwrap_or_else(|| "its profile".into());
    let stream = profile
        .1
        .as_stream()
        .map_err(|_| format!("{pat} (DestOutputProfile of {at}) is not a stream"))?;
    let n = stream.dict.get(b"N").and_then(Object::as_i64).ok();
    let icc = stream
        .get_plain_content_with_limit(MAX_STREAM)
        .map_err(|e| format!("{pat} (DestOutputProfile) cannot be decoded: {e}"))?;
    icc_profile(&icc, n)
        .map(|what| format!("{at}: GTS_PDFA1, DestOutputProfile {pat}: {what}"))
        .map_err(|e| format!("{pat} (DestOutputProfile of {at}): {e}"))
}

/// An ICC profile's header and tag table, checked against the stream's
/// `/N`: what it is, or what is wrong.
pub fn icc_profile(p: &[u8], n: Option<i64>) -> Result<String, String> {
    let u32_at = |i: usize| {
        p.get(i..i + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    if p.len() < 132 {
        return Err(format!(
            "{} bytes: too short for an ICC profile (128-byte header and tag count)",
            p.len()
        ));
    }
    if &p[36..40] != b"acsp" {
        return Err("no 'acsp' signature at byte 36: not an ICC profile".into());
    }
    let declared = u32_at(0).unwrap_or(0) as usize;
    if declared != p.len() {
        return Err(format!(
            "the header says {declared} bytes, the stream holds {}",
            p.len()
        ));
    }
    if !(2..=4).contains(&p[8]) {
        return Err(format!(
            "ICC version {}: PDF/A-2 takes versions 2 to 4",
            p[8]
        ));
    }
    let class = String::from_utf8_lossy(&p[12..16]).into_owned();
    if class != "mntr" && class != "prtr" {
        return Err(format!(
            "device class '{class}': an output intent needs 'prtr' or 'mntr'"
        ));
    }
    let space = String::from_utf8_lossy(&p[16..20]).into_owned();
    let components = match space.as_str() {
        "GRAY" => 1,
        "RGB " => 3,
        "CMYK" => 4,
        _ => return Err(format!("colour space '{space}': not GRAY, RGB or CMYK")),
    };
    if n != Some(components) {
        return Err(format!(
            "colour space '{}' has {components} components but the stream's /N is {}",
            space.trim(),
            n.map_or("missing".into(), |n| n.to_string())
        ));
    }
    let tags = u32_at(128).unwrap_or(0) as usize;
    for i in 0..tags {
        let e = 132 + 12 * i;
        let (Some(off), Some(len)) = (u32_at(e + 4), u32_at(e + 8)) else {
            return Err(format!(
                "the tag table declares {tags} tags but ends at tag {i}"
            ));
        };
        if off as usize + len as usize > p.len() {
            return Err(format!("tag {i} ({off}+{len}) runs past the profile's end"));
        }
    }
    Ok(format!(
        "ICC v{}, '{class}' class, {} ({components} components), {tags} tags",
        p[8],
        space.trim()
    ))
}

/// 6.2.11.4.1: every font (but Type 3, drawn by content streams) has a
/// descriptor with its program in `/FontFile`, `/FontFile2` or
/// `/FontFile3`; a Type 0 font's descendant is such a font. Every font
/// in the file is checked, used for rendering or not.
fn fonts_embedded(doc: &Document) -> Result<String, String> {
    let mut bad = Vec::new();
    let mut count = 0;
    for (id, d) in dictionaries(doc) {
        if name_of(d, b"Type").as_deref() != Some("Font") {
            continue;
        }
        count += 1;
        let base = name_of(d, b"BaseFont").unwrap_or_else(|| "unnamed".into());
        let subtype = name_of(d, b"Subtype").unwrap_or_default();
        let at = format!("font {base} ({subtype}) in {}", name_id(id));
        match subtype.as_str() {
            "Type3" => {}
            "Type0" => {
                let descendant = d
                    .get(b"DescendantFonts")
                    .ok()
                    .and_then(|o| deref(doc, o))
                    .and_then(|(_, o)| o.as_array().ok())
                    .and_then(|a| a.first())
                    .and_then(|o| deref(doc, o))
                    .and_then(|(_, o)| o.as_dict().ok());
                if descendant.is_none() {
                    bad.push(format!("{at} has no descendant font"));
                }
            }
            _ => {
                if let Err(e) = font_program(doc, d) {
                    bad.push(format!("{at}: {e}"));
                }
            }
        }
    }
    if bad.is_empty() {
        Ok(format!("{count} font dictionaries, every program embedded"))
    } else {
        Err(bad.join("; "))
    }
}

/// The font's descriptor holds a non-empty embedded program.
fn font_program(doc: &Document, font: &Dictionary) -> Result<(), String> {
    let (did, descriptor) = font
        .get(b"FontDescriptor")
        .ok()
        .and_then(|o| deref(doc, o))
        .and_then(|(id, o)| o.as_dict().ok().map(|d| (id, d)))
        .ok_or("no /FontDescriptor, so no embedded program")?;
    let at = did.map(name_id).unwrap_or_else(|| "its descriptor".into());
    for key in ["FontFile", "FontFile2", "FontFile3"] {
        if let Ok(o) = descriptor.get(key.as_bytes()) {
            return match deref(doc, o).map(|(_, o)| o.as_stream()) {
                Some(Ok(s)) if !s.content.is_empty() => Ok(()),
                _ => Err(format!(
                    "/{key} of FontDescriptor {at} is not a non-empty stream"
                )),
            };
        }
    }
    Err(format!(
        "FontDescriptor {at} has no /FontFile, /FontFile2 or /FontFile3: the font is not embedded"
    ))
}

/// Action types ISO 19005-2 6.5.1 forbids.
const FORBIDDEN_ACTIONS: &[&str] = &[
    "JavaScript",
    "Launch",
    "Sound",
    "Movie",
    "ResetForm",
    "ImportData",
    "Hide",
    "SetOCGState",
    "Rendition",
    "Trans",
    "GoTo3DView",
    "SetState",
    "NOP",
];

/// The only named actions 6.5.1 allows.
const ALLOWED_NAMED: &[&str] = &["NextPage", "PrevPage", "FirstPage", "LastPage"];

/// 6.5.1: no JavaScript anywhere (`/S /JavaScript` actions, `/JS`
/// entries, a `/JavaScript` name tree, so none in `/OpenAction` or `/AA`
/// either) and no other forbidden action type.
fn no_javascript(doc: &Document) -> Result<String, String> {
    let mut bad = Vec::new();
    let names = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"Names").ok())
        .and_then(|o| deref(doc, o))
        .and_then(|(_, o)| o.as_dict().ok());
    if names.is_some_and(|n| n.has(b"JavaScript")) {
        bad.push("the catalog's /Names has a /JavaScript name tree".to_string());
    }
    for (id, d) in dictionaries(doc) {
        let action = name_of(d, b"S").filter(|s| FORBIDDEN_ACTIONS.contains(&s.as_str()));
        let typed_other = name_of(d, b"Type").is_some_and(|t| t != "Action");
        if d.has(b"JS") || (action.as_deref() == Some("JavaScript") && !typed_other) {
            bad.push(format!("{} is a JavaScript action (/JS)", name_id(id)));
        } else if let (Some(s), false) = (action, typed_other) {
            bad.push(format!("{} is a /{s} action", name_id(id)));
        } else if name_of(d, b"S").as_deref() == Some("Named") && !typed_other {
            let n = name_of(d, b"N").unwrap_or_default();
            if !ALLOWED_NAMED.contains(&n.as_str()) {
                bad.push(format!(
                    "{} is a named action /{n} (only NextPage, PrevPage, FirstPage, LastPage)",
                    name_id(id)
                ));
            }
        }
    }
    if bad.is_empty() {
        Ok("no JavaScript and no forbidden action".into())
    } else {
        Err(bad.join("; "))
    }
}

/// 6.5.2 (catalog, pages), 6.3.3 (widget annotations), 6.4.1 (form
/// fields): no `/AA` (additional actions), wherever it is.
fn no_trigger_actions(doc: &Document) -> Result<String, String> {
    let bad: Vec<String> = dictionaries(doc)
        .into_iter()
        .filter(|(_, d)| d.has(b"AA"))
        .map(|(id, d)| {
            let kind = name_of(d, b"Type").unwrap_or_else(|| "dictionary".into());
            format!("{} ({kind}) has /AA", name_id(id))
        })
        .collect();
    if bad.is_empty() {
        Ok("no /AA entry".into())
    } else {
        Err(bad.join("; "))
    }
}

/// A signature field with a value: its name, and the signature
/// dictionary (`/V`) with its object id when it is an indirect object.
struct Signed<'a> {
    field: String,
    id: Option<ObjectId>,
    sig: &'a Dictionary,
}

/// The signature fields with a value (`/FT /Sig`, inherited down
/// `/Kids`, and `/V`), from the catalog's `/AcroForm`.
fn signed_fields(doc: &Document) -> Vec<Signed<'_>> {
    fn walk<'a>(
        doc: &'a Document,
        o: &'a Object,
        ft: Option<String>,
        depth: usize,
        out: &mut Vec<Signed<'a>>,
    ) {
        let Some((fid, Ok(f))) = deref(doc, o).map(|(id, o)| (id, o.as_dict())) else {
            return;
        };
        let ft = name_of(f, b"FT").or(ft);
        if ft.as_deref() == Some("Sig")
            && let Some((id, Ok(sig))) = f
                .get(b"V")
                .ok()
                .and_then(|v| deref(doc, v))
                .map(|(id, o)| (id, o.as_dict()))
        {
            let field = f
                .get(b"T")
                .and_then(Object::as_str)
                .map(|t| String::from_utf8_lossy(t).into_owned())
                .unwrap_or_else(|_| fid.map(name_id).unwrap_or_default());
            out.push(Signed { field, id, sig });
        }
        let kids = f.get(b"Kids").and_then(Object::as_array);
        if let (Ok(kids), true) = (kids, depth < 32) {
            kids.iter()
                .for_each(|k| walk(doc, k, ft.clone(), depth + 1, out));
        }
    }
    let mut out = Vec::new();
    let fields = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"AcroForm").ok())
        .and_then(|o| deref(doc, o))
        .and_then(|(_, o)| o.as_dict().ok())
        .and_then(|a| a.get(b"Fields").ok())
        .and_then(|o| deref(doc, o))
        .and_then(|(_, o)| o.as_array().ok());
    for f in fields.into_iter().flatten() {
        walk(doc, f, None, 0, &mut out);
    }
    out
}

/// 6.4.3: each signature's `/ByteRange` is `[0 a b c]` covering the whole
/// file but the gap `a..b`, which is exactly that signature's `/Contents`
/// hex string inside its own dictionary.
/// Every signature is held to this, so a file signed twice (the second
/// signature in an incremental update after the first) fails for its
/// first: sohoa signs each document once.
fn signature(bytes: &[u8], doc: &Document, expect: Expect) -> Found {
    let signed = signed_fields(doc);
    if signed.is_empty() {
        return if expect.signed {
            Found::Fail("the file should be signed but has no signature field with a value (/AcroForm /Fields: /FT /Sig with /V)".into())
        } else {
            Found::NotApplicable("no signature (none expected)".into())
        };
    }
    let mut bad = Vec::new();
    for s in &signed {
        if let Err(e) = byte_range(bytes, doc, s) {
            let at =
                s.id.map(|id| format!(" ({})", name_id(id)))
                    .unwrap_or_default();
            bad.push(format!("signature field {:?}{at}: {e}", s.field));
        }
    }
    if bad.is_empty() {
        Found::Pass(format!(
            "{} signature(s), each covering the whole file but its /Contents",
            signed.len()
        ))
    } else {
        Found::Fail(bad.join("; "))
    }
}

fn byte_range(bytes: &[u8], doc: &Document, s: &Signed) -> Result<(), String> {
    let range: Vec<i64> = s
        .sig
        .get(b"ByteRange")
        .and_then(Object::as_array)
        .map_err(|_| "no /ByteRange array".to_string())?
        .iter()
        .map(|o| o.as_i64().ok().filter(|n| *n >= 0))
        .collect::<Option<_>>()
        .ok_or("/ByteRange holds something other than non-negative integers")?;
    let [start, gap_start, gap_end, tail] = range[..] else {
        return Err(format!(
            "/ByteRange has {} numbers; one gap takes 4",
            range.len()
        ));
    };
    let (gap_start, gap_end, len) = (gap_start as usize, gap_end as usize, bytes.len());
    if start != 0 || gap_start >= gap_end || gap_end.checked_add(tail as usize) != Some(len) {
        return Err(format!(
            "/ByteRange [{start} {gap_start} {gap_end} {tail}] does not cover the file's {len} bytes from 0 to the end around one gap"
        ));
    }
    let gap = &bytes[gap_start..gap_end];
    let inner = match gap {
        [b'<', inner @ .., b'>'] if inner.iter().all(u8::is_ascii_hexdigit) => inner,
        _ => {
            return Err(format!(
                "the gap {gap_start}..{gap_end} is not one hex string <...>"
            ));
        }
    };
    let contents = s
        .sig
        .get(b"Contents")
        .and_then(Object::as_str)
        .map_err(|_| "no /Contents string".to_string())?;
    if hex::decode(inner).ok().as_deref() != Some(contents) {
        return Err(format!(
            "the gap {gap_start}..{gap_end} is not this signature's /Contents"
        ));
    }
    let before = bytes[..gap_start].trim_ascii_end();
    if !before.ends_with(b"/Contents") {
        return Err(format!(
            "the gap {gap_start}..{gap_end} is not the value of a /Contents key"
        ));
    }
    if let Some(id) = s.id
        && let Some(lopdf::xref::XrefEntry::Normal { offset, .. }) = doc.reference_table.get(id.0)
    {
        let offset = *offset as usize;
        let end = bytes
            .get(offset..)
            .and_then(|b| b.windows(6).position(|w| w == b"endobj"))
            .map(|p| offset + p);
        if offset >= gap_start || end.is_none_or(|e| gap_end > e) {
            return Err(format!(
                "the gap {gap_start}..{gap_end} lies outside the signature dictionary {}",
                name_id(id)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocr::{Line, PageText, Word};
    use crate::pix::{Encoded, Filter};
    use crate::render::{RenderPage, render};
    use lopdf::{Stream, StringFormat, dictionary};

    /// A one-page PDF as sohoa renders it (image, invisible text, font).
    fn good() -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut z, &[255u8; 100 * 140]).unwrap();
        let image = Encoded {
            filter: Filter::Flate,
            data: z.finish().unwrap(),
            width: 100,
            height: 140,
            bits_per_component: 8,
            components: 1,
        };
        let text = PageText {
            lines: vec![Line {
                words: vec![Word {
                    text: "Hồ sơ".into(),
                    bbox: [10, 10, 60, 30],
                    conf: 90.0,
                }],
                bbox: [10, 10, 60, 30],
            }],
        };
        let page = RenderPage {
            image: &image,
            text: &text,
            dpi: 100,
        };
        render(&[page], "Giấy khai sinh").unwrap()
    }

    /// `good()` loaded, changed by `f`, and saved again.
    fn changed(f: impl FnOnce(&mut Document)) -> Vec<u8> {
        let mut doc = Document::load_mem(&good()).unwrap();
        f(&mut doc);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    fn failed(bytes: &[u8], expect: Expect) -> Vec<CheckId> {
        let report = check(bytes, expect).unwrap();
        report.failures().map(|c| c.check).collect()
    }

    /// `bytes` fails `id` and no other check, naming what is wrong.
    fn fails_only(bytes: &[u8], expect: Expect, id: CheckId, says: &str) {
        let report = check(bytes, expect).unwrap();
        let failed: Vec<_> = report.failures().map(|c| c.check).collect();
        assert_eq!(failed, [id], "{report:#?}");
        let detail = &report.get(id).unwrap().detail;
        assert!(detail.contains(says), "{detail:?} should say {says:?}");
    }

    fn catalog(doc: &mut Document) -> &mut Dictionary {
        doc.catalog_mut().unwrap()
    }

    /// The id of the first object that is a dictionary or stream with
    /// `key` = `/value`.
    fn find(doc: &Document, key: &[u8], value: &str) -> ObjectId {
        *doc.objects
            .iter()
            .find(|(_, o)| {
                let d = match o {
                    Object::Stream(s) => &s.dict,
                    Object::Dictionary(d) => d,
                    _ => return false,
                };
                name_of(d, key).as_deref() == Some(value)
            })
            .unwrap()
            .0
    }

    #[test]
    fn what_render_and_rearrange_write_passes_every_check() {
        let pdf = good();
        let report = check(&pdf, Expect::default()).unwrap();
        assert!(report.passed(), "{report:#?}");
        assert!(report.partial && !report.not_checked.is_empty());
        assert_eq!(report.checks.len(), CheckId::ALL.len());
        let sig = report.get(CheckId::Signature).unwrap();
        assert_eq!(sig.outcome, Outcome::NotApplicable);
        let pages = [crate::render::PageFrom {
            source: 0,
            page: 0,
            turned_deg: 90,
        }];
        let moved = crate::render::rearrange(&[&pdf], &pages, "Tách ra").unwrap();
        assert_eq!(failed(&moved, Expect::default()), []);
        // Loaded and saved again by lopdf, as the tests below do.
        assert_eq!(failed(&changed(|_| {}), Expect::default()), []);
    }

    #[test]
    fn a_wrong_header_or_no_binary_comment_fails_the_header_check() {
        let mut pdf = good();
        pdf[..8].copy_from_slice(b"%PDF-2.0");
        fails_only(&pdf, Expect::default(), CheckId::FileHeader, "%PDF-2.0");
        let mut pdf = good();
        let at = pdf.iter().position(|&b| b == b'\n').unwrap() + 1;
        pdf[at..at + 5].copy_from_slice(b"%abcd");
        fails_only(
            &pdf,
            Expect::default(),
            CheckId::FileHeader,
            "four bytes above 127",
        );
    }

    #[test]
    fn no_file_id_or_bytes_after_eof_fail_the_trailer_check() {
        let pdf = changed(|d| {
            d.trailer.remove(b"ID");
        });
        fails_only(&pdf, Expect::default(), CheckId::FileTrailer, "/ID");
        let mut pdf = good();
        pdf.extend(b"\n% appended\n");
        fails_only(
            &pdf,
            Expect::default(),
            CheckId::FileTrailer,
            "follow the last %%EOF",
        );
    }

    #[test]
    fn an_encrypted_file_fails_the_encryption_check() {
        let pdf = changed(|d| {
            let state = lopdf::EncryptionState::try_from(lopdf::EncryptionVersion::V2 {
                document: &*d,
                owner_password: "owner",
                user_password: "",
                key_length: 128,
                permissions: lopdf::Permissions::all(),
            })
            .unwrap();
            d.encrypt(&state).unwrap();
        });
        fails_only(&pdf, Expect::default(), CheckId::NotEncrypted, "/Encrypt");
    }

    #[test]
    fn an_lzw_or_external_stream_fails_the_filter_check() {
        let pdf = changed(|d| {
            d.add_object(Stream::new(
                dictionary! { "Filter" => "LZWDecode" },
                vec![0x80],
            ));
        });
        fails_only(
            &pdf,
            Expect::default(),
            CheckId::StreamFilters,
            "/LZWDecode filter",
        );
        let pdf = changed(|d| {
            let ext = dictionary! { "F" => Object::string_literal("data.bin") };
            d.add_object(Stream::new(ext, Vec::new()));
        });
        fails_only(&pdf, Expect::default(), CheckId::StreamFilters, "/F");
    }

    fn with_xmp(xmp: &str) -> Vec<u8> {
        changed(|d| {
            let id = find(d, b"Subtype", "XML");
            let s = Stream::new(
                dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
                xmp.as_bytes().to_vec(),
            );
            d.objects.insert(id, Object::Stream(s));
        })
    }

    const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

    #[test]
    fn xmp_identification_is_read_as_attributes_or_elements() {
        let ok = Expect::default();
        let xmp = CheckId::XmpIdentification;
        let attrs = format!(
            "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"{RDF}\">\
<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"{PDFAID_NS}\" pdfaid:part=\"2\" pdfaid:conformance=\"B\"/>\
</rdf:RDF></x:xmpmeta>"
        );
        assert_eq!(failed(&with_xmp(&attrs), ok), []);
        let part1 = attrs.replace("pdfaid:part=\"2\"", "pdfaid:part=\"1\"");
        fails_only(&with_xmp(&part1), ok, xmp, "part 1");
        let elements = format!(
            "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"{RDF}\">\
<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"{PDFAID_NS}\"><pdfaid:part>2</pdfaid:part>\
<pdfaid:conformance>X</pdfaid:conformance></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>"
        );
        fails_only(&with_xmp(&elements), ok, xmp, "conformance X");
        // Level U includes level B.
        let u = elements.replace(">X<", ">U<");
        assert_eq!(failed(&with_xmp(&u), ok), []);
        // Under another prefix, or another namespace, it is no identification.
        let prefix = u.replace("pdfaid", "id");
        fails_only(&with_xmp(&prefix), ok, xmp, "requires pdfaid");
        let other = u.replace(PDFAID_NS, "http://example.org/pdfa/");
        fails_only(&with_xmp(&other), ok, xmp, "(none)");
        let bytes = u.replace("id=\"W5M", "bytes=\"2048\" id=\"W5M");
        fails_only(&with_xmp(&bytes), ok, xmp, "bytes=");
        fails_only(&with_xmp("<x:xmpmeta"), ok, xmp, "not well-formed");
    }

    #[test]
    fn no_metadata_in_the_catalog_fails_the_xmp_check() {
        let pdf = changed(|d| {
            catalog(d).remove(b"Metadata");
        });
        fails_only(
            &pdf,
            Expect::default(),
            CheckId::XmpIdentification,
            "no /Metadata",
        );
    }

    #[test]
    fn no_output_intent_or_a_bad_icc_profile_fails_the_output_intent_check() {
        let pdf = changed(|d| {
            catalog(d).remove(b"OutputIntents");
        });
        fails_only(
            &pdf,
            Expect::default(),
            CheckId::OutputIntent,
            "no /OutputIntents",
        );
        let profile = |f: fn(&mut Stream)| {
            changed(|d| {
                let id = find(d, b"S", "GTS_PDFA1");
                let p = d
                    .get_dictionary(id)
                    .unwrap()
                    .get(b"DestOutputProfile")
                    .unwrap();
                let p = p.as_reference().unwrap();
                let mut s = d.get_object(p).unwrap().as_stream().unwrap().clone();
                s.decompress().unwrap();
                f(&mut s);
                d.objects.insert(p, Object::Stream(s));
            })
        };
        let no_acsp = profile(|s| s.content[36..40].copy_from_slice(b"xxxx"));
        fails_only(&no_acsp, Expect::default(), CheckId::OutputIntent, "'acsp'");
        let grey_n = profile(|s| s.dict.set("N", 1));
        fails_only(&grey_n, Expect::default(), CheckId::OutputIntent, "/N is 1");
        let cut = profile(|s| {
            let n = s.content.len() - 8;
            s.set_content(s.content[..n].to_vec())
        });
        fails_only(
            &cut,
            Expect::default(),
            CheckId::OutputIntent,
            "the header says",
        );
        let pdf = changed(|d| {
            let id = find(d, b"S", "GTS_PDFA1");
            d.get_dictionary_mut(id)
                .unwrap()
                .remove(b"DestOutputProfile");
        });
        fails_only(
            &pdf,
            Expect::default(),
            CheckId::OutputIntent,
            "no /DestOutputProfile",
        );
    }

    #[test]
    fn a_font_without_its_program_fails_the_font_check() {
        let pdf = changed(|d| {
            let id = find(d, b"Type", "FontDescriptor");
            d.get_dictionary_mut(id).unwrap().remove(b"FontFile2");
        });
        fails_only(
            &pdf,
            Expect::default(),
            CheckId::FontsEmbedded,
            "GlyphLessFont (CIDFontType2)",
        );
        let pdf = changed(|d| {
            d.add_object(
                dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" },
            );
        });
        fails_only(
            &pdf,
            Expect::default(),
            CheckId::FontsEmbedded,
            "Helvetica (Type1)",
        );
    }

    #[test]
    fn javascript_anywhere_fails_the_javascript_check() {
        let pdf = changed(|d| {
            let js =
                dictionary! { "S" => "JavaScript", "JS" => Object::string_literal("app.alert(1)") };
            catalog(d).set("OpenAction", js);
        });
        fails_only(
            &pdf,
            Expect::default(),
            CheckId::NoJavascript,
            "JavaScript action",
        );
        let pdf = changed(|d| {
            let tree = dictionary! { "Names" => Vec::<Object>::new() };
            catalog(d).set("Names", dictionary! { "JavaScript" => tree });
        });
        fails_only(
            &pdf,
            Expect::default(),
            CheckId::NoJavascript,
            "/JavaScript name tree",
        );
        let pdf = changed(|d| {
            let launch = dictionary! { "S" => "Launch", "F" => Object::string_literal("x.exe") };
            catalog(d).set("OpenAction", launch);
        });
        fails_only(
            &pdf,
            Expect::default(),
            CheckId::NoJavascript,
            "/Launch action",
        );
        let pdf = changed(|d| {
            catalog(d).set("OpenAction", dictionary! { "S" => "Named", "N" => "Print" });
        });
        fails_only(
            &pdf,
            Expect::default(),
            CheckId::NoJavascript,
            "named action /Print",
        );
    }

    #[test]
    fn additional_actions_fail_the_trigger_check() {
        let pdf = changed(|d| {
            let goto = dictionary! { "S" => "GoTo", "D" => vec![Object::Integer(0), "Fit".into()] };
            catalog(d).set("AA", dictionary! { "WC" => goto });
        });
        fails_only(
            &pdf,
            Expect::default(),
            CheckId::NoTriggerActions,
            "(Catalog) has /AA",
        );
    }

    /// `good()` with a signature field whose value's `/ByteRange` covers
    /// the file but its `/Contents`, as a signer writes it (the
    /// signature bytes are a stand-in: their cryptography is not checked).
    fn signed_like() -> Vec<u8> {
        let sig_bytes = vec![0xAB; 64];
        let mut pdf = changed(|d| {
            let sig = d.add_object(dictionary! {
                "Type" => "Sig",
                "Filter" => "Adobe.PPKLite",
                "SubFilter" => "ETSI.CAdES.detached",
                "ByteRange" => vec![0.into(), 1111111111.into(), 2222222222_i64.into(), 3333333333_i64.into()],
                "Contents" => Object::String(sig_bytes.clone(), StringFormat::Hexadecimal),
            });
            let field = d.add_object(dictionary! {
                "FT" => "Sig",
                "T" => Object::string_literal("Signature1"),
                "V" => sig,
                "Type" => "Annot",
                "Subtype" => "Widget",
                "Rect" => vec![0.into(), 0.into(), 0.into(), 0.into()],
                "F" => 132,
            });
            let form = dictionary! { "Fields" => vec![Object::Reference(field)], "SigFlags" => 3 };
            catalog(d).set("AcroForm", form);
        });
        let hex = format!("<{}>", hex::encode_upper(&sig_bytes));
        let at = |needle: &[u8], pdf: &[u8]| {
            pdf.windows(needle.len()).position(|w| w == needle).unwrap()
        };
        let gap_start = at(hex.as_bytes(), &pdf);
        let gap_end = gap_start + hex.len();
        let len = pdf.len();
        for (placeholder, value) in [
            ("1111111111", gap_start),
            ("2222222222", gap_end),
            ("3333333333", len - gap_end),
        ] {
            let i = at(placeholder.as_bytes(), &pdf);
            pdf[i..i + 10].copy_from_slice(format!("{value:010}").as_bytes());
        }
        pdf
    }

    #[test]
    fn a_signature_must_cover_the_whole_file_but_its_contents() {
        let signed = Expect { signed: true };
        let pdf = signed_like();
        let report = check(&pdf, signed).unwrap();
        assert!(report.passed(), "{report:#?}");
        assert_eq!(
            report.get(CheckId::Signature).unwrap().outcome,
            Outcome::Pass
        );
        // Checked when present, even if not expected.
        assert_eq!(
            check(&pdf, Expect::default())
                .unwrap()
                .get(CheckId::Signature)
                .unwrap()
                .outcome,
            Outcome::Pass
        );
        // Expected but absent.
        fails_only(&good(), signed, CheckId::Signature, "no signature field");
        // The second range stops one byte short of the end.
        let tail = |pdf: &[u8]| {
            let i = pdf
                .windows(11)
                .position(|w| w.starts_with(b"/ByteRange"))
                .unwrap();
            let text = String::from_utf8_lossy(&pdf[i..i + 60]).into_owned();
            let end = text.find(']').unwrap();
            let last = text[..end].rfind(|c: char| !c.is_ascii_digit()).unwrap() + 1;
            (i + last, i + end)
        };
        let mut short = pdf.clone();
        let (a, b) = tail(&short);
        let n: usize = String::from_utf8_lossy(&short[a..b]).parse().unwrap();
        short[a..b].copy_from_slice(format!("{:010}", n - 1).as_bytes());
        fails_only(&short, signed, CheckId::Signature, "does not cover");
        // A gap that is not the signature's /Contents: one byte further on.
        let mut shifted = pdf.clone();
        let i = shifted
            .windows(11)
            .position(|w| w.starts_with(b"/ByteRange"))
            .unwrap();
        let text = String::from_utf8_lossy(&shifted[i..i + 60]).into_owned();
        let nums: Vec<usize> = text[text.find('[').unwrap() + 1..text.find(']').unwrap()]
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        let moved = format!(
            "{:010} {:010} {:010}",
            nums[1] + 1,
            nums[2] + 1,
            nums[3] - 1
        );
        let from = i + text.find('[').unwrap() + 3;
        shifted[from..from + moved.len()].copy_from_slice(moved.as_bytes());
        fails_only(
            &shifted,
            signed,
            CheckId::Signature,
            "is not one hex string",
        );
    }

    #[test]
    fn what_is_not_a_pdf_is_an_error_not_a_report() {
        assert!(check(b"GIF89a", Expect::default()).is_err());
    }
}
