//! The transparency log from the command line: `sohoa log key|sequence|checkpoint`
//! and `sohoa proof`.

use super::args::{LogKeyArg, StoreArg};
use super::{Failure, env_err, exit, open_store, parse_case, print_json, rejected};
use clap::Subcommand;
use sohoa::catalog::log::{self, Proved};
use sohoa::tlog::Signer;
use std::io::Write;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum LogCommand {
    /// Make a new signing key for the log: writes the private key to FILE
    /// (readable by its owner only) and prints the public verifier key,
    /// which archivists keep outside the bucket (`verify --log-public-key`).
    Key {
        /// Where to write the private key (must not exist).
        #[arg(long)]
        out: PathBuf,
        /// The log's name: the origin line of its checkpoints.
        #[arg(long, default_value = log::DEFAULT_ORIGIN)]
        origin: String,
    },
    /// Append every pending record to the log now and write its checkpoint
    /// (what workers and `serve` do periodically).
    Sequence {
        #[command(flatten)]
        store: StoreArg,
        #[command(flatten)]
        log_key: LogKeyArg,
    },
    /// Print the log's latest checkpoint (to pin it outside the bucket).
    Checkpoint {
        #[command(flatten)]
        store: StoreArg,
    },
}

pub async fn log_command(action: LogCommand) -> Result<u8, Failure> {
    match action {
        LogCommand::Key { out, origin } => key(&out, &origin),
        LogCommand::Sequence { store, log_key } => {
            let signer = log_key.signer()?;
            let store = open_store(&store.store, &store.lock).await?;
            let size = log::sequence(store.as_ref(), signer.as_ref())
                .await
                .map_err(env_err)?;
            eprintln!("the log holds {size} leaves");
            Ok(exit::OK)
        }
        LogCommand::Checkpoint { store } => {
            let store = open_store(&store.store, &store.lock).await?;
            let cp = log::latest_checkpoint(store.as_ref())
                .await
                .map_err(env_err)?
                .ok_or((exit::NOT_FOUND, "the log has no checkpoint yet".to_string()))?;
            print!("{}", cp.text);
            Ok(exit::OK)
        }
    }
}

/// `sohoa log key`.
fn key(out: &PathBuf, origin: &str) -> Result<u8, Failure> {
    let signer = Signer::generate(origin).map_err(rejected)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(out)
        .map_err(|e| (exit::ENVIRONMENT, format!("{}: {e}", out.display())))?;
    writeln!(f, "{}", signer.to_private_string())
        .map_err(|e| (exit::ENVIRONMENT, format!("{}: {e}", out.display())))?;
    eprintln!(
        "wrote the private key to {}; its public key (keep it outside the bucket):",
        out.display()
    );
    println!("{}", signer.verifier().to_string_form());
    Ok(exit::OK)
}

/// `sohoa proof CASE DOCUMENT`: the document's record, its leaf and the
/// inclusion proof in the latest checkpoint, as JSON.
pub async fn proof(case_code: &str, document_id: &str, store: &StoreArg) -> Result<u8, Failure> {
    let code = parse_case(case_code)?;
    let store = open_store(&store.store, &store.lock).await?;
    match log::prove_document(store.as_ref(), &code, document_id)
        .await
        .map_err(env_err)?
    {
        Proved::Proof(p) => {
            print_json(&p)?;
            Ok(exit::OK)
        }
        Proved::NoDocument => Err((
            exit::NOT_FOUND,
            format!("case {code} has no document '{document_id}'"),
        )),
        Proved::NotLogged => Err((
            exit::NOT_FOUND,
            format!(
                "the record of '{document_id}' is not in a checkpoint of the log yet; \
                 `sohoa log sequence` appends what is pending"
            ),
        )),
    }
}
