//! `sohoa process` (digitise a batch here) and `sohoa submit` (hand it to
//! the workers).

use super::args::{BatchArgs, LogKeyArg, OcrArgs, QueueArgs, StoreArg};
use super::{Failure, env_err, exit, open_store, parse_case, print_json, rejected};
use sohoa::classify::Taxonomy;
use sohoa::pipeline::{self, BatchInfo, Options, PagePool, PipelineError};
use sohoa::store::Store;
use sohoa::submit::{self, SubmitError};
use std::sync::Arc;

fn pipeline_err(e: PipelineError) -> Failure {
    let code = if matches!(e, PipelineError::Reused { .. }) {
        exit::ID_TAKEN
    } else if e.is_permanent() {
        exit::REJECTED
    } else {
        exit::ENVIRONMENT
    };
    (code, e.to_string())
}

fn options(ocr: OcrArgs, limits: sohoa::ingest::Limits) -> Result<Options, Failure> {
    let taxonomy = match ocr.taxonomy {
        Some(p) => Taxonomy::load(&p).map_err(rejected)?,
        None => Taxonomy::default_set(),
    };
    let mut opts = Options {
        lang: ocr.lang,
        taxonomy,
        limits,
        signing: ocr.signing.agency().map_err(rejected)?,
        ..Options::default()
    };
    if let Some(t) = ocr.threads {
        opts.threads = t.max(1);
    }
    Ok(opts)
}

/// Digitise one batch and store it; print the record or a summary.
pub async fn process(
    batch: BatchArgs,
    ocr: OcrArgs,
    (store, log_key): (&StoreArg, &LogKeyArg),
    json: bool,
) -> Result<u8, Failure> {
    let signer = log_key.signer()?;
    let case_code = batch.case_code.as_deref().map(parse_case).transpose()?;
    let opts = options(ocr, batch.limits)?;
    let store = open_store(&store.store, &store.lock).await?;
    // The engines load (about 0.1 s) while the files are read and hashed.
    let starting = tokio::task::spawn_blocking(move || PagePool::new(&opts));
    let originals = sohoa::ingest::open_all(&batch.paths, &batch.limits).map_err(rejected)?;
    let total: usize = originals.iter().map(|o| o.pages.len()).sum();
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} reading pages {pos}/{len} [{bar:30}] {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let pool = starting
        .await
        .map_err(|_| pipeline_err(pipeline::PipelineError::PoolGone))?;
    let pool = Arc::new(pool.map_err(pipeline_err)?);
    let pb = bar.clone();
    let progress = Arc::new(move |done: usize, _total: usize| pb.set_position(done as u64));
    let info = BatchInfo {
        batch_id: batch.batch_id,
        case_code,
        station: batch.station,
        claimed_at: None,
    };
    let outcome = pipeline::process(pool, originals, &info, store.as_ref(), progress).await;
    bar.finish_and_clear();
    let outcome = outcome.map_err(pipeline_err)?;
    // Run alone, `process` returns once its record is in the log.
    let index =
        sohoa::catalog::log::sequence_until(store.as_ref(), signer.as_ref(), &outcome.record_key)
            .await
            .map_err(env_err)?;
    eprintln!(
        "{} is leaf {index} of the transparency log",
        outcome.record_key
    );
    if json {
        print_json(&outcome.record)?;
    } else {
        print_summary(&outcome, store.as_ref());
    }
    Ok(exit::OK)
}

/// Check the files, stage them in the store's inbox, queue the batch and
/// record the submission ([`submit::submit`]); print the batch id.
pub async fn submit(batch: BatchArgs, queue: &QueueArgs) -> Result<u8, Failure> {
    let (topology, amqp) = (&queue.topology, queue.amqp.as_str());
    let case_code = batch.case_code.as_deref().map(parse_case).transpose()?;
    // Check the files here, at the station, where they can still be rescanned.
    let originals = sohoa::ingest::open_all(&batch.paths, &batch.limits).map_err(rejected)?;
    submit::batch_id(batch.batch_id.as_deref(), &originals).map_err(rejected)?;
    let store = open_store(&queue.store, &queue.lock).await?;
    let conn = sohoa::queue::connect(amqp).await.map_err(env_err)?;
    let request = submit::Request {
        batch_id: batch.batch_id,
        case_code,
        station: batch.station,
        by: "cli",
        covers: &|_| true,
        queue_timeout: None,
    };
    let submitted = submit::submit(store.as_ref(), &conn, topology, &originals, &request).await;
    let _ = conn.close(200, "bye".into()).await;
    let submitted = submitted.map_err(submit_failure)?;
    let msg = &submitted.message;
    if submitted.repeat {
        eprintln!(
            "batch {} was already submitted with these files: not queued again",
            msg.batch_id
        );
    } else {
        eprintln!("queued {} files on {}", msg.files.len(), topology.queue);
    }
    println!("{}", msg.batch_id);
    Ok(exit::OK)
}

/// Queue a failed batch again ([`submit::retry`]); print the batch id.
pub async fn retry(
    batch_id: &str,
    case_code: Option<&str>,
    queue: &QueueArgs,
) -> Result<u8, Failure> {
    let (topology, amqp) = (&queue.topology, queue.amqp.as_str());
    let case_code = case_code.map(parse_case).transpose()?;
    let store = open_store(&queue.store, &queue.lock).await?;
    let conn = sohoa::queue::connect(amqp).await.map_err(env_err)?;
    let retried = submit::retry(
        store.as_ref(),
        &conn,
        topology,
        batch_id,
        case_code.as_ref(),
        "cli",
    )
    .await;
    let _ = conn.close(200, "bye".into()).await;
    let msg = retried.map_err(submit_failure)?;
    eprintln!(
        "queued {} files on {} again",
        msg.files.len(),
        topology.queue
    );
    println!("{}", msg.batch_id);
    Ok(exit::OK)
}

/// The exit code of a failed submission.
pub fn submit_failure(e: SubmitError) -> Failure {
    if e.is_reuse() {
        (exit::ID_TAKEN, e.to_string())
    } else if e.is_permanent() {
        rejected(e)
    } else {
        env_err(e)
    }
}

fn print_summary(o: &pipeline::Outcome, store: &dyn Store) {
    let r = &o.record;
    if o.already_done {
        println!(
            "batch {} was already digitised; nothing new was written",
            r.batch_id
        );
    }
    println!(
        "case {} (from {})",
        r.case_code,
        r.case_code_source.replace('_', " ")
    );
    println!(
        "batch {}: {} documents, {} pages skipped",
        r.batch_id,
        r.documents.len(),
        r.skipped_pages.len()
    );
    for d in &r.documents {
        let pages: Vec<String> = d
            .pages
            .iter()
            .map(|p| format!("{}:{}", p.source, p.page))
            .collect();
        println!(
            "  {:<26} {:<32} conf {:.2}{}  pages {}",
            d.id,
            d.doc_type,
            d.confidence,
            if d.needs_review { " NEEDS REVIEW" } else { "" },
            pages.join(" ")
        );
        println!("  {:<26} -> {}/{}", "", store.describe(), d.pdf.key);
    }
    for w in &r.warnings {
        println!("  warning: {w}");
    }
    println!("record: {}/{}", store.describe(), o.record_key);
}
