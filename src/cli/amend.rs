//! Officers' corrections from the command line: `sohoa amend` (the same
//! amendment as `POST /v1/cases/{case}/documents/{id}/amendments`, made by
//! an operator with the store's own access), `sohoa history` and
//! `sohoa review` (the review queue, from the search index).

use super::args::{IndexArg, StoreArg};
use super::search::open_index;
use super::{Failure, env_err, exit, open_store, parse_case, print_json, rejected};
use sohoa::catalog::amendments::{self, AmendError, AmendRequest};
use sohoa::record::amendment::Author;
use std::collections::BTreeMap;

/// What `sohoa amend` is told.
#[derive(clap::Args)]
pub struct AmendArgs {
    pub case_code: String,
    pub document_id: String,
    /// Why (required).
    #[arg(long)]
    pub note: String,
    /// Who makes it (recorded with role `operator`).
    #[arg(long, env = "USER")]
    pub by: String,
    /// The corrected type (a taxonomy type id, or `other`).
    #[arg(long = "type")]
    pub doc_type: Option<String>,
    /// A corrected key field, NAME=VALUE (an empty VALUE removes it); repeatable.
    #[arg(long = "field")]
    pub fields: Vec<String>,
    /// Confirm the reading (with the corrections given, or as it is).
    #[arg(long)]
    pub confirm: bool,
    /// Move the document's batch to this case code.
    #[arg(long)]
    pub reattach_to: Option<String>,
    /// Taxonomy file (TOML) the workers type documents with, when not the
    /// default: `--type` is checked against its types.
    #[arg(long, env = "SOHOA_TAXONOMY")]
    pub taxonomy: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub store: StoreArg,
    /// Also bring the search index in step now.
    #[command(flatten)]
    pub index: IndexArg,
}

fn amend_failure(e: AmendError) -> Failure {
    match e {
        AmendError::NoDocument { .. } => (exit::NOT_FOUND, e.to_string()),
        AmendError::Invalid(_) => rejected(e),
        AmendError::Source { .. } => (exit::INTEGRITY, e.to_string()),
        AmendError::Sign(_) => (exit::ENVIRONMENT, e.to_string()),
        AmendError::Catalog(e) => env_err(e),
    }
}

/// `sohoa amend`: append an amendment and print it as JSON.
pub async fn amend(a: AmendArgs) -> Result<u8, Failure> {
    let code = parse_case(&a.case_code)?;
    if let Some(path) = &a.taxonomy {
        let taxonomy = sohoa::classify::Taxonomy::load(path).map_err(rejected)?;
        amendments::use_taxonomy(&taxonomy);
    }
    let mut fields = BTreeMap::new();
    for f in &a.fields {
        let (name, value) = f
            .split_once('=')
            .ok_or_else(|| rejected(format!("--field {f}: expected NAME=VALUE")))?;
        fields.insert(name.trim().to_string(), Some(value.to_string()));
    }
    let request = AmendRequest {
        note: a.note,
        doc_type: a.doc_type,
        fields,
        confirm: a.confirm,
        reattach_to: a.reattach_to,
        pages: None,
    };
    let by = Author {
        name: a.by,
        role: "operator".into(),
        unit: None,
    };
    let store = open_store(&a.store.store, &a.store.lock).await?;
    let made = amendments::amend(store.as_ref(), &code, &a.document_id, by, &request, None)
        .await
        .map_err(amend_failure)?;
    if a.index.index.is_some() {
        let index = open_index(&a.index)?;
        sohoa::index::sync::reindex(store.as_ref(), &index, &made.record_key)
            .await
            .map_err(env_err)?;
    }
    print_json(&made.amendment)?;
    Ok(exit::OK)
}

/// `sohoa history`: a document's machine reading and amendments, as JSON.
pub async fn history(case_code: &str, document_id: &str, store: &StoreArg) -> Result<u8, Failure> {
    let code = parse_case(case_code)?;
    let store = open_store(&store.store, &store.lock).await?;
    let h = amendments::history(store.as_ref(), &code, document_id)
        .await
        .map_err(env_err)?
        .ok_or_else(|| {
            (
                exit::NOT_FOUND,
                format!("case {code} has no document '{document_id}'"),
            )
        })?;
    print_json(&h)?;
    Ok(exit::OK)
}

/// `sohoa review`: the review queue, oldest first.
pub async fn review(
    below: Option<f32>,
    unit: Option<String>,
    index: &IndexArg,
    json: bool,
) -> Result<u8, Failure> {
    let index = open_index(index)?;
    let r = sohoa::index::Review {
        below,
        unit,
        limit: sohoa::index::query::MAX_LIMIT,
        offset: 0,
    };
    let page = index.review(&r).await.map_err(|e| {
        if e.is_bad_query() {
            rejected(e)
        } else {
            env_err(e)
        }
    })?;
    if json {
        print_json(&page)?;
        return Ok(exit::OK);
    }
    println!("{} documents wait for review", page.total);
    for d in &page.items {
        println!(
            "{}  {}  {}  {}  conf {:.2}{}",
            &d.digitised_at[..d.digitised_at.len().min(10)],
            d.case_code,
            d.document_id,
            d.doc_type,
            d.confidence,
            if d.needs_review { "  NEEDS REVIEW" } else { "" }
        );
        if !d.reason.is_empty() {
            println!("    why: {}", d.reason);
        }
    }
    Ok(exit::OK)
}
