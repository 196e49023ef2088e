//! The search: filters, ranking, a snippet of the matching text, paging,
//! and unit scoping, all in one statement.
//!
//! What matches what, every text folded by [`fold_lower`] first:
//!
//! | criterion | matches |
//! |---|---|
//! | `id_number` | the 12-digit citizen number, exactly or by prefix |
//! | `name` | the document's `full_name` by trigram similarity (pg_trgm), so an OCR misreading still finds it; a part of the name by word similarity |
//! | `birth_date` | `date_of_birth` (dd/mm/yyyy) exactly or by prefix |
//! | `case_prefix` | the case code by prefix |
//! | `doc_type`, `needs_review`, `from`/`to` | the type, the review flag, when it was digitised (`to` exclusive) |
//! | `text` (the free query) | the OCR text by words (`tsvector`, the last word also as a prefix), or the name and field values by similarity, or an ID number, case code or birth date by prefix |
//!
//! Hits are ranked by the sum of their criteria's scores (an exact ID
//! number 1, a prefix 0.9; a name its similarity; the text `ts_rank`),
//! then newest first; a search matching more than [`RANKED_MAX`] documents
//! counts and ranks only the newest that many (and says so), as counting
//! and ranking read every match. A unit-scoped caller's unit is a condition of the
//! same `WHERE` that counts the total, so it never sees another unit's
//! rows, not even as a number.
//!
//! The statement is assembled from fixed fragments; every value a person
//! typed is a bound parameter ([`Sql::bind`]).

use super::IndexError;
use crate::fold::fold_lower;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio_postgres::Client;
use tokio_postgres::types::ToSql;

/// Most hits on one page.
pub const MAX_LIMIT: u32 = 100;
/// Hits on a page unless asked otherwise.
pub const DEFAULT_LIMIT: u32 = 20;
/// Most matches counted and ranked for one search: the newest this many.
/// Counting reads every match's row and ranking its text (`ts_rank`), so a
/// query of common words matching most of the index would otherwise read
/// all of it; past this many matches the page says "more than"
/// ([`Page::total_exact`]) and the officer narrows the search.
pub const RANKED_MAX: u32 = 1000;

/// What to look for. Every criterion given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Search {
    /// Free query: words of the text, a name, an ID number, a case code…
    pub text: Option<String>,
    pub id_number: Option<String>,
    pub name: Option<String>,
    /// Date of birth as printed, dd/mm/yyyy, or a prefix of it.
    pub birth_date: Option<String>,
    pub doc_type: Option<String>,
    pub case_prefix: Option<String>,
    /// Digitised at or after.
    pub from: Option<OffsetDateTime>,
    /// Digitised before.
    pub to: Option<OffsetDateTime>,
    /// Only documents flagged for review.
    pub needs_review: bool,
    /// The caller's unit (an agency-code prefix): only its cases.
    pub unit: Option<String>,
    /// Page size (at most [`MAX_LIMIT`], else the search is refused; 0
    /// means [`DEFAULT_LIMIT`]).
    pub limit: u32,
    pub offset: u32,
}

/// One document found.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Hit {
    /// `<batch_id>-dNN`.
    pub document_id: String,
    pub case_code: String,
    pub batch_id: String,
    /// A type id of the taxonomy, or `other`.
    #[serde(rename = "type")]
    pub doc_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub title: Option<String>,
    pub confidence: f32,
    pub needs_review: bool,
    /// Fields read from the document (full_name, id_number, date_of_birth…).
    pub fields: BTreeMap<String, String>,
    pub pages: u32,
    /// When the batch was digitised (RFC 3339).
    #[schema(format = DateTime)]
    pub digitised_at: String,
    /// Store keys of the PDF and the text.
    pub pdf_key: String,
    pub text_key: String,
    /// How well it matched (higher is better; 0 for filters alone).
    pub score: f32,
    /// Words of the text around the first match (or its first words).
    pub snippet: String,
    /// Values an officer's amendment corrected (`type`, `fields.<name>`…);
    /// the values above are the amended ones.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub corrected: Vec<String>,
}

/// A page of hits.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Page {
    /// Documents matching, on every page (within the caller's unit); at
    /// most 1000, see `total_exact`.
    pub total: u64,
    /// False when more than 1000 documents match: then `total` is 1000, and
    /// the hits are the best of the newest 1000 matches. Narrow the search
    /// (a name, a type, dates) to count and rank them all.
    pub total_exact: bool,
    pub offset: u32,
    pub limit: u32,
    pub hits: Vec<Hit>,
}

type Param = Box<dyn ToSql + Sync + Send>;

/// A statement being assembled: fixed fragments, bound values.
#[derive(Default)]
struct Sql {
    /// Ways a document may match the free query (any one will do), each
    /// looked up on its own index ([`statement`]).
    alternatives: Vec<String>,
    /// Conditions every match meets.
    clauses: Vec<String>,
    scores: Vec<String>,
    params: Vec<Param>,
}

impl Sql {
    /// Bind a value; returns its placeholder.
    fn bind(&mut self, v: impl ToSql + Sync + Send + 'static) -> String {
        self.params.push(Box::new(v));
        format!("${}", self.params.len())
    }
}

/// Trim; `None` for nothing at all.
fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A prefix to match against an ID number, a case code or a birth date:
/// digits and the code's and date's separators only.
fn looks_like_prefix(s: &str) -> bool {
    s.len() >= 2
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "./-".contains(c))
        && s.chars().any(|c| c.is_ascii_digit())
}

/// The `tsquery` of folded words (letters and digits only, so no
/// operator of its syntax can be in them): every word, the last one also
/// as a prefix.
fn ts_query(folded: &str) -> Option<String> {
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    let (last, rest) = words.split_last()?;
    let mut q: Vec<String> = rest.iter().map(|w| w.to_string()).collect();
    q.push(format!("{last}:*"));
    Some(q.join(" & "))
}

/// The free query's conditions (any of them) and score.
fn free_text(sql: &mut Sql, raw: &str) {
    let folded = fold_lower(raw);
    let Some(tsq) = ts_query(&folded) else {
        // Nothing but punctuation: nothing can match it.
        sql.clauses.push("false".into());
        return;
    };
    let tsq = sql.bind(tsq);
    let mut any = vec![format!("body_tsv @@ to_tsquery('simple', {tsq})")];
    let mut score = vec![format!("ts_rank(body_tsv, to_tsquery('simple', {tsq}))")];
    if folded.split(' ').count() <= 5 {
        let each = every_word(sql, &folded, "fields_folded");
        let f = sql.bind(folded);
        any.push(format!("(full_name_folded % {f} AND {each})"));
        any.push(format!("({f} <% fields_folded AND {each})"));
        score.push(format!("similarity(full_name_folded, {f})"));
        score.push(format!("word_similarity({f}, fields_folded)"));
    }
    if looks_like_prefix(raw) {
        let p = sql.bind(raw.to_string());
        for column in ["id_number", "case_code", "date_of_birth"] {
            any.push(format!("{column} ^@ {p}"));
        }
        score.push(format!("CASE WHEN id_number = {p} THEN 1.0 WHEN id_number ^@ {p} OR case_code ^@ {p} OR date_of_birth ^@ {p} THEN 0.9 END"));
    }
    sql.alternatives = any;
    sql.scores.push(format!("greatest({})", score.join(", ")));
}

/// How close each word of a query must be to a word of what it matches
/// (pg_trgm's word similarity): one letter OCR changed in a name of four
/// or more letters still passes ("phuc" ~ "phue" is 0.6).
const WORD_SIMILARITY: f32 = 0.5;

/// Every folded word of `folded` is like a word of `column`.
fn every_word(sql: &mut Sql, folded: &str, column: &str) -> String {
    let min = sql.bind(WORD_SIMILARITY);
    let words: Vec<String> = folded
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let p = sql.bind(w.to_string());
            format!("word_similarity({p}, {column}) >= {min}")
        })
        .collect();
    format!("({})", words.join(" AND "))
}

/// The person's criteria: ID number, name, birth date.
fn person(sql: &mut Sql, s: &Search) -> Result<(), IndexError> {
    if let Some(id) = given(&s.id_number) {
        let p = sql.bind(id.to_string());
        sql.clauses.push(format!("id_number ^@ {p}"));
        sql.scores
            .push(format!("CASE WHEN id_number = {p} THEN 1.0 ELSE 0.9 END"));
    }
    if let Some(name) = given(&s.name) {
        let folded = fold_lower(name);
        if folded.is_empty() {
            return Err(IndexError::BadQuery(format!(
                "name '{name}' has no letters to match"
            )));
        }
        // A whole name: similar as a whole, and each of its words close to
        // one of the name's (so "Nguyễn Văn An" does not find every
        // "Nguyễn Văn …"); one word: a word of the name like it.
        let condition = if folded.contains(' ') {
            let each = every_word(sql, &folded, "full_name_folded");
            let p = sql.bind(folded.clone());
            format!("(full_name_folded % {p} AND {each})")
        } else {
            let p = sql.bind(folded.clone());
            format!("{p} <% full_name_folded")
        };
        sql.clauses.push(condition);
        let p = sql.bind(folded);
        sql.scores.push(format!(
            "greatest(similarity(full_name_folded, {p}), word_similarity({p}, full_name_folded))"
        ));
    }
    if let Some(date) = given(&s.birth_date) {
        let p = sql.bind(date.to_string());
        sql.clauses.push(format!("date_of_birth ^@ {p}"));
    }
    Ok(())
}

/// The document's criteria, and the caller's unit.
fn document(sql: &mut Sql, s: &Search) {
    if let Some(t) = given(&s.doc_type) {
        let p = sql.bind(t.to_string());
        sql.clauses.push(format!("doc_type = {p}"));
    }
    if let Some(c) = given(&s.case_prefix) {
        let p = sql.bind(c.to_string());
        sql.clauses.push(format!("case_code ^@ {p}"));
    }
    if let Some(t) = s.from {
        let p = sql.bind(t);
        sql.clauses.push(format!("digitised_at >= {p}"));
    }
    if let Some(t) = s.to {
        let p = sql.bind(t);
        sql.clauses.push(format!("digitised_at < {p}"));
    }
    if s.needs_review {
        sql.clauses.push("needs_review".into());
    }
    if let Some(unit) = &s.unit {
        // As `TokenRecord::covers`: the unit, then a segment boundary.
        let exact = sql.bind(unit.clone());
        let dot = sql.bind(format!("{unit}."));
        let dash = sql.bind(format!("{unit}-"));
        sql.clauses.push(format!(
            "(agency = {exact} OR case_code ^@ {dot} OR case_code ^@ {dash})"
        ));
    }
}

/// The whole statement: the matches counted and one page of them, in one
/// query. The newest [`RANKED_MAX`] matches (and one more, to tell whether
/// there are more) are the candidates: only they are counted, scored and
/// paged through. Newest first is what an index on `digitised_at` gives
/// without reading the rest, so a broad query stops early.
fn statement(s: &Search) -> Result<(String, Sql, u32), IndexError> {
    let mut sql = Sql::default();
    if let Some(q) = given(&s.text) {
        free_text(&mut sql, q);
    }
    person(&mut sql, s)?;
    document(&mut sql, s);
    let limit = match s.limit {
        0 => DEFAULT_LIMIT,
        n if n > MAX_LIMIT => {
            return Err(IndexError::BadQuery(format!(
                "limit must be 1-{MAX_LIMIT} hits a page, not {n}"
            )));
        }
        n => n,
    };
    let score = if sql.scores.is_empty() {
        "0::real".to_string()
    } else {
        let parts: Vec<String> = sql
            .scores
            .iter()
            .map(|p| format!("coalesce({p}, 0)"))
            .collect();
        format!("({})::real", parts.join(" + "))
    };
    let candidates = sql.bind(i64::from(RANKED_MAX) + 1);
    let matches = candidates_of(&sql, &candidates);
    let ranked = sql.bind(i64::from(RANKED_MAX));
    let l = sql.bind(i64::from(limit));
    let o = sql.bind(i64::from(s.offset));
    let text = format!(
        "WITH matches AS MATERIALIZED ({matches}), \
              newest AS (SELECT document_id, digitised_at FROM matches \
                         ORDER BY digitised_at DESC, document_id LIMIT {ranked}), \
              hits AS (SELECT n.document_id, n.digitised_at, {score} AS score \
                       FROM newest n JOIN documents USING (document_id)) \
         SELECT t.total, p.score, d.document_id, d.case_code, d.batch_id, d.doc_type, d.title, \
                d.confidence, d.needs_review, d.fields, d.page_count, d.digitised_at, d.pdf_key, \
                d.text_key, d.body, d.corrected \
         FROM (SELECT count(*) AS total FROM matches) t \
         LEFT JOIN LATERAL (SELECT document_id, score, digitised_at FROM hits \
                            ORDER BY score DESC, digitised_at DESC, document_id LIMIT {l} OFFSET {o}) p ON true \
         LEFT JOIN documents d ON d.document_id = p.document_id \
         ORDER BY p.score DESC, p.digitised_at DESC, p.document_id"
    );
    Ok((text, sql, limit))
}

/// The newest `cap` documents meeting every clause and any one of the
/// alternatives. Each alternative is a query of its own (`UNION`), so that
/// each reads its own index and checks only its own condition: as one `OR`,
/// every row a lossy trigram index offers would also have its text's
/// `tsvector` read to check the other ways. Each stops at `cap` too, so a
/// query of common words reads the newest rows only.
fn candidates_of(sql: &Sql, cap: &str) -> String {
    let newest = format!("ORDER BY digitised_at DESC, document_id LIMIT {cap}");
    let select = |conditions: Vec<&str>| {
        let filter = if conditions.is_empty() {
            "true".to_string()
        } else {
            conditions.join(" AND ")
        };
        format!("SELECT document_id, digitised_at FROM documents WHERE {filter} {newest}")
    };
    let every: Vec<&str> = sql.clauses.iter().map(String::as_str).collect();
    if sql.alternatives.is_empty() {
        return select(every);
    }
    let branches: Vec<String> = sql
        .alternatives
        .iter()
        .map(|a| {
            let mut conditions = vec![a.as_str()];
            conditions.extend(&every);
            format!("({})", select(conditions))
        })
        .collect();
    format!(
        "SELECT document_id, digitised_at FROM ({}) a {newest}",
        branches.join(" UNION ")
    )
}

/// Run a search.
pub async fn run(client: &Client, s: &Search) -> Result<Page, IndexError> {
    let (text, sql, limit) = statement(s)?;
    let params: Vec<&(dyn ToSql + Sync)> = sql
        .params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect();
    let rows = client.query(&text, &params).await?;
    let terms = terms(s);
    let mut page = Page {
        total: 0,
        total_exact: true,
        offset: s.offset,
        limit,
        hits: Vec::new(),
    };
    for row in rows {
        let matched = row.get::<_, i64>("total") as u64;
        page.total = matched.min(u64::from(RANKED_MAX));
        page.total_exact = matched <= u64::from(RANKED_MAX);
        let Some(document_id) = row.get::<_, Option<String>>("document_id") else {
            continue;
        };
        let body: String = row.get("body");
        let fields: serde_json::Value = row.get("fields");
        let digitised_at: OffsetDateTime = row.get("digitised_at");
        page.hits.push(Hit {
            document_id,
            case_code: row.get("case_code"),
            batch_id: row.get("batch_id"),
            doc_type: row.get("doc_type"),
            title: row.get("title"),
            confidence: row.get("confidence"),
            needs_review: row.get("needs_review"),
            fields: serde_json::from_value(fields).unwrap_or_default(),
            pages: row.get::<_, i32>("page_count").max(0) as u32,
            digitised_at: digitised_at.format(&Rfc3339).unwrap_or_default(),
            pdf_key: row.get("pdf_key"),
            text_key: row.get("text_key"),
            score: row.get("score"),
            snippet: snippet(&body, &terms),
            corrected: row
                .get::<_, Option<Vec<String>>>("corrected")
                .unwrap_or_default(),
        });
    }
    Ok(page)
}

/// The folded words a snippet looks for: the query's, the name's, the ID
/// number and the birth date.
fn terms(s: &Search) -> Vec<String> {
    [&s.text, &s.name, &s.id_number, &s.birth_date]
        .into_iter()
        .filter_map(given)
        .flat_map(|t| {
            fold_lower(t)
                .split(' ')
                .filter(|w| w.len() >= 2)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Words of the text before and after a match.
const SNIPPET_BEFORE: usize = 8;
const SNIPPET_AFTER: usize = 16;

/// The words of `body` around the first word that folds to one of
/// `terms` (or starts with one), as written; its first words when none
/// does.
pub fn snippet(body: &str, terms: &[String]) -> String {
    let words: Vec<&str> = body.split_whitespace().collect();
    let first = words.iter().position(|w| {
        let f = fold_lower(w);
        f.split(' ')
            .any(|part| terms.iter().any(|t| part.starts_with(t.as_str())))
    });
    let (start, end) = match first {
        Some(i) => (
            i.saturating_sub(SNIPPET_BEFORE),
            (i + SNIPPET_AFTER).min(words.len()),
        ),
        None => (0, (SNIPPET_BEFORE + SNIPPET_AFTER).min(words.len())),
    };
    let mut out = words[start..end].join(" ");
    if start > 0 {
        out.insert_str(0, "… ");
    }
    if end < words.len() {
        out.push_str(" …");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snippet_shows_the_match_as_written() {
        let body = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập Tự do Hạnh phúc GIẤY KHAI SINH Họ và tên: Nguyễn Văn Đức Ngày sinh 01/02/2003";
        let s = snippet(body, &["duc".to_string()]);
        assert!(s.contains("Nguyễn Văn Đức"), "{s}");
        assert!(s.starts_with("… "), "{s}");
    }

    #[test]
    fn a_tsquery_holds_only_folded_words() {
        assert_eq!(
            ts_query("giay khai sinh").as_deref(),
            Some("giay & khai & sinh:*")
        );
        assert_eq!(
            ts_query(&fold_lower("'); DROP TABLE documents; --")).as_deref(),
            Some("drop & table & documents:*")
        );
        assert_eq!(ts_query(""), None);
    }
}
