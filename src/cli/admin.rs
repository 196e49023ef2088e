//! Running and administering the API: `sohoa serve` and `sohoa token`.

use super::args::{IndexArg, StoreArg};
use super::{Failure, env_err, exit, open_store, print_json, rejected};
use clap::Subcommand;
use sohoa::auth::{self, AuthError, Role};
use sohoa::queue::Topology;
use sohoa::store::Store;
use std::path::PathBuf;
use std::sync::Arc;

/// What `sohoa serve` is given.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SOHOA_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    #[command(flatten)]
    pub store: StoreArg,
    /// RabbitMQ URL; needed for uploads (POST /v1/batches).
    #[arg(long, env = "SOHOA_AMQP_URL")]
    pub amqp: Option<String>,
    #[command(flatten)]
    pub topology: Topology,
    /// Largest upload in bytes (all files of one batch).
    #[arg(long, env = "SOHOA_MAX_UPLOAD_BYTES", default_value_t = 256 << 20)]
    pub max_upload_bytes: usize,
    /// Most files in one upload.
    #[arg(long, env = "SOHOA_MAX_UPLOAD_FILES", default_value_t = 500)]
    pub max_files: usize,
    /// Uploads checked and stored at once (each held in memory while it
    /// is); more wait their turn, already received on disk.
    #[arg(long, env = "SOHOA_MAX_CONCURRENT_UPLOADS", default_value_t = 4)]
    pub max_concurrent_uploads: usize,
    /// Seconds an upload's whole body may take to arrive (408 after).
    #[arg(long, env = "SOHOA_UPLOAD_TIMEOUT", default_value_t = 600)]
    pub upload_timeout: u64,
    /// Directory upload bodies are written to while they arrive
    /// (default: the system's temporary directory).
    #[arg(long, env = "SOHOA_UPLOAD_SPOOL")]
    pub upload_spool: Option<PathBuf>,
    /// What an upload's files may cost to read (checked on upload).
    #[command(flatten)]
    pub limits: sohoa::ingest::Limits,
    /// The search index for GET /v1/search.
    #[command(flatten)]
    pub index: IndexArg,
    /// Signs the transparency log's checkpoints (amendments and audit
    /// reports the API stores are logged).
    #[command(flatten)]
    pub log_key: super::args::LogKeyArg,
    /// Seconds between the transparency log's sequencer steps (0: none;
    /// then a worker or `sohoa log sequence` logs what the API stores).
    #[arg(long, env = "SOHOA_LOG_EVERY", default_value_t = sohoa::catalog::log::DEFAULT_SEQUENCE_EVERY)]
    pub log_every: u64,
    /// What audits check the transparency log against.
    #[command(flatten)]
    pub anchors: super::args::AnchorArgs,
    /// The agency's key (and TSA): the PDFs an officer's re-arrangement
    /// of pages makes are signed with it.
    #[command(flatten)]
    pub signing: sohoa::sign::KeyArgs,
    /// The web page's origin as browsers reach it (scheme, host and port,
    /// e.g. https://sohoa.example.gov.vn): forms sent from it are accepted
    /// on plain HTTP too (browsers send `Sec-Fetch-Site` only over HTTPS
    /// and to localhost); https:// also makes the session cookie Secure.
    #[arg(long, env = "SOHOA_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,
    /// Hours a web session lasts after sign-in.
    #[arg(long, env = "SOHOA_SESSION_HOURS", default_value_t = 8)]
    pub session_hours: u64,
    /// Taxonomy file (TOML) the workers type documents with, when not the
    /// default: officers' corrected types are checked against its types.
    #[arg(long, env = "SOHOA_TAXONOMY")]
    pub taxonomy: Option<PathBuf>,
}

/// Serve the HTTP API until SIGTERM or Ctrl-C.
pub async fn serve(args: ServeArgs) -> Result<u8, Failure> {
    if let Some(path) = &args.taxonomy {
        let taxonomy = sohoa::classify::Taxonomy::load(path).map_err(rejected)?;
        sohoa::catalog::amendments::use_taxonomy(&taxonomy);
    }
    let config = sohoa::api::Config {
        max_upload_bytes: args.max_upload_bytes,
        max_files: args.max_files,
        max_concurrent_uploads: args.max_concurrent_uploads,
        upload_timeout: std::time::Duration::from_secs(args.upload_timeout.max(1)),
        upload_spool: args.upload_spool,
        amqp: args.amqp,
        topology: args.topology,
        limits: args.limits,
        public_origin: args.public_origin,
        session_ttl: std::time::Duration::from_secs(args.session_hours.clamp(1, 24 * 30) * 3600),
        anchors: args.anchors.anchors()?,
        signing: args.signing.agency().map_err(rejected)?,
    };
    let listen = args.listen.as_str();
    let signer = args.log_key.signer()?;
    let store: Arc<dyn Store> = Arc::from(open_store(&args.store.store, &args.store.lock).await?);
    if args.log_every > 0 {
        let every = std::time::Duration::from_secs(args.log_every);
        tokio::spawn(sohoa::catalog::log::sequence_every(
            store.clone(),
            signer,
            every,
        ));
    }
    let index = sohoa::index::Index::configured(args.index.index.as_deref()).map_err(env_err)?;
    if let Some(index) = &index
        && let Err(e) = index.connect().await
    {
        // Searches answer 503 until it can be reached; the rest serves on.
        eprintln!("warning: {e}; searches will fail until it is reachable");
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| env_err(format!("cannot listen on {listen}: {e}")))?;
    eprintln!(
        "serving the API on http://{listen} (store {})",
        store.describe()
    );
    let state = sohoa::api::AppState::with_index(store, config, index);
    sohoa::api::serve(listener, state, shutdown_signal())
        .await
        .map_err(env_err)?;
    Ok(exit::OK)
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {},
                _ = tokio::signal::ctrl_c() => {},
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Make a token; it is printed once, alone on the last line of stdout.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: Role,
        /// Limit the token to cases whose code starts with this agency prefix.
        #[arg(long)]
        unit: Option<String>,
        #[command(flatten)]
        store: StoreArg,
    },
    /// List tokens (names, roles, units; never the secrets).
    List {
        #[command(flatten)]
        store: StoreArg,
        #[arg(long)]
        json: bool,
    },
    /// Revoke the active token with this name.
    Revoke {
        name: String,
        #[command(flatten)]
        store: StoreArg,
    },
}

/// Run a `sohoa token` command.
pub async fn token(action: TokenCommand) -> Result<u8, Failure> {
    match action {
        TokenCommand::Add {
            name,
            role,
            unit,
            store,
        } => add_token(&name, role, unit.as_deref(), &store).await,
        TokenCommand::List { store, json } => list_tokens(&store, json).await,
        TokenCommand::Revoke { name, store } => revoke_token(&name, &store).await,
    }
}

fn auth_err(e: AuthError) -> Failure {
    match e {
        AuthError::Store(_) | AuthError::Random(_) => env_err(e),
        AuthError::NoSuchToken(_) => (exit::NOT_FOUND, e.to_string()),
        _ => (exit::REJECTED, e.to_string()),
    }
}

/// Make a token; the secret is printed once, alone on the last line of stdout.
async fn add_token(
    name: &str,
    role: Role,
    unit: Option<&str>,
    store: &StoreArg,
) -> Result<u8, Failure> {
    let store = open_store(&store.store, &store.lock).await?;
    let (secret, rec) = auth::add_token(store.as_ref(), name, role, unit)
        .await
        .map_err(auth_err)?;
    eprintln!(
        "token '{}' ({}{}) made; it is shown only now:",
        rec.name,
        rec.role.as_str(),
        rec.unit.map(|u| format!(", unit {u}")).unwrap_or_default()
    );
    println!("{secret}");
    log_token_change(store.as_ref(), "token.add", name).await?;
    Ok(exit::OK)
}

/// Token changes made on the command line go into the access log as the
/// API's do, under the operating-system user who made them.
async fn log_token_change(
    store: &dyn sohoa::store::Store,
    action: &str,
    name: &str,
) -> Result<(), Failure> {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    let entry = sohoa::catalog::access_log::Entry {
        at: sohoa::clock::now_rfc3339(),
        who: format!("cli:{user}"),
        role: Role::Admin.as_str().into(),
        unit: None,
        action: action.into(),
        outcome: "allowed".into(),
        method: "CLI".into(),
        path: format!("sohoa {}", action.replace('.', " ")),
        case_code: None,
        target: Some(name.to_string()),
        from: "local".into(),
        forwarded_for: None,
        detail: None,
    };
    sohoa::catalog::access_log::append(store, &entry)
        .await
        .map_err(env_err)?;
    Ok(())
}

/// List tokens (names, roles, units; never the secrets).
async fn list_tokens(store: &StoreArg, json: bool) -> Result<u8, Failure> {
    let store = open_store(&store.store, &store.lock).await?;
    let tokens = auth::list_tokens(store.as_ref()).await.map_err(auth_err)?;
    if json {
        print_json(&tokens)?;
        return Ok(exit::OK);
    }
    for t in &tokens {
        println!(
            "{:<20} {:<10} {:<16} created {}{}",
            t.token.name,
            t.token.role.as_str(),
            t.token.unit.as_deref().unwrap_or("(all units)"),
            t.token.created_at,
            t.revoked_at
                .as_deref()
                .map(|r| format!("  REVOKED {r}"))
                .unwrap_or_default()
        );
    }
    Ok(exit::OK)
}

/// Revoke the active token with this name.
async fn revoke_token(name: &str, store: &StoreArg) -> Result<u8, Failure> {
    let store = open_store(&store.store, &store.lock).await?;
    let n = auth::revoke_token(store.as_ref(), name)
        .await
        .map_err(auth_err)?;
    eprintln!("revoked {n} token(s) named '{name}'");
    log_token_change(store.as_ref(), "token.revoke", name).await?;
    Ok(exit::OK)
}
