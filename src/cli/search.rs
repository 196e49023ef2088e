//! Finding documents: `sohoa search`, and keeping the index in step with
//! the store: `sohoa index sync|rebuild|status`.

use super::args::{IndexArg, SearchArgs};
use super::{Failure, env_err, exit, open_store, print_json, rejected};
use sohoa::index::{self, Index, IndexError, Search};
use std::sync::Arc;

/// What the index commands do.
#[derive(clap::Subcommand)]
pub enum IndexCommand {
    /// Index every record of the store the index does not hold yet, or
    /// holds without its latest amendments.
    Sync(IndexTarget),
    /// Empty the index and index every record of the store again.
    Rebuild(IndexTarget),
    /// How many records the store has and the index holds.
    Status(IndexTarget),
}

/// The store an index command reads and the index it writes.
#[derive(clap::Args)]
pub struct IndexTarget {
    #[command(flatten)]
    pub store: super::args::StoreArg,
    #[command(flatten)]
    pub index: IndexArg,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

fn index_failure(e: IndexError) -> Failure {
    if e.is_bad_query() {
        rejected(e)
    } else {
        env_err(e)
    }
}

/// The configured index, or the message saying how to configure one.
pub fn open_index(arg: &IndexArg) -> Result<Arc<Index>, Failure> {
    Index::configured(arg.index.as_deref())
        .map_err(index_failure)?
        .ok_or_else(|| env_err(IndexError::NotConfigured))
}

/// The search the arguments describe (no unit: the command line reads the
/// store itself, so it sees every unit).
fn search_of(a: SearchArgs) -> Result<Search, Failure> {
    let from = a.from.as_deref().map(sohoa::clock::parse_since).transpose();
    let to = a.to.as_deref().map(sohoa::clock::parse_until).transpose();
    Ok(Search {
        text: a.query,
        id_number: a.id_number,
        name: a.name,
        birth_date: a.birth_date,
        doc_type: a.doc_type,
        case_prefix: a.case_prefix,
        from: from.map_err(rejected)?,
        to: to.map_err(rejected)?,
        needs_review: a.needs_review,
        unit: None,
        limit: a.limit,
        offset: a.offset,
    })
}

/// Search the index and print the hits, best first.
pub async fn search(args: SearchArgs, index: &IndexArg, json: bool) -> Result<u8, Failure> {
    let index = open_index(index)?;
    let page = index
        .search(&search_of(args)?)
        .await
        .map_err(index_failure)?;
    if json {
        print_json(&page)?;
        return Ok(exit::OK);
    }
    let last = page.offset as usize + page.hits.len();
    let found = if page.total_exact {
        format!("{} documents found", page.total)
    } else {
        format!(
            "more than {} documents found (the best of the newest {} are shown: narrow the search to see the rest)",
            page.total, page.total
        )
    };
    println!("{found}; {}-{} shown", page.offset + 1, last);
    for h in &page.hits {
        let who = [h.fields.get("full_name"), h.fields.get("id_number")]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "{:>5.2}  {}  {}  {}  {}{}  {}",
            h.score,
            h.case_code,
            h.document_id,
            h.doc_type,
            &h.digitised_at[..h.digitised_at.len().min(10)],
            if h.needs_review { "  NEEDS REVIEW" } else { "" },
            who
        );
        println!("       {}", h.snippet);
    }
    Ok(if page.total == 0 {
        exit::NOT_FOUND
    } else {
        exit::OK
    })
}

/// `sohoa index sync|rebuild|status`.
pub async fn index_command(action: IndexCommand) -> Result<u8, Failure> {
    let (IndexCommand::Sync(t) | IndexCommand::Rebuild(t) | IndexCommand::Status(t)) = &action;
    let json = t.json;
    let index = open_index(&t.index)?;
    let store = open_store(&t.store.store, &t.store.lock).await?;
    let store = store.as_ref();
    let report = match action {
        IndexCommand::Status(_) => {
            let s = index::sync::status(store, &index).await.map_err(index_failure)?;
            if json {
                print_json(&s)?;
            } else {
                println!(
                    "store: {} records; index: {} records, {} documents; {} records not indexed yet, {} without their latest amendments{}",
                    s.store_records,
                    s.index_records,
                    s.index_documents,
                    s.missing,
                    s.amended,
                    if s.missing + s.amended > 0 { " (run 'sohoa index sync')" } else { "" }
                );
            }
            return Ok(exit::OK);
        }
        IndexCommand::Sync(_) => index::sync::sync(store, &index).await,
        IndexCommand::Rebuild(_) => index::sync::rebuild(store, &index).await,
    }
    .map_err(index_failure)?;
    if json {
        print_json(&report)?;
    } else {
        println!(
            "indexed {} records, {} documents ({} without their text)",
            report.records, report.documents, report.without_text
        );
        for u in &report.unreadable {
            println!("  unreadable, skipped: {u}");
        }
        for f in &report.failed {
            println!("  not indexed (the next sync tries again): {f}");
        }
    }
    Ok(exit::OK)
}
