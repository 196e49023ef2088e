//! Running and administering the API: `sohoa serve` and `sohoa token`.

use super::args::StoreArg;
use super::{Failure, env_err, exit, open_store, print_json};
use clap::Subcommand;
use sohoa::auth::{self, AuthError, Role};
use sohoa::store::Store;
use std::sync::Arc;

/// Serve the HTTP API until SIGTERM or Ctrl-C.
pub async fn serve(
    listen: &str,
    store: &str,
    config: sohoa::api::Config,
    index: &super::args::IndexArg,
) -> Result<u8, Failure> {
    let store: Arc<dyn Store> = Arc::from(open_store(store).await?);
    let index = sohoa::index::Index::configured(index.index.as_deref()).map_err(env_err)?;
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
        } => add_token(&name, role, unit.as_deref(), &store.store).await,
        TokenCommand::List { store, json } => list_tokens(&store.store, json).await,
        TokenCommand::Revoke { name, store } => revoke_token(&name, &store.store).await,
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
async fn add_token(name: &str, role: Role, unit: Option<&str>, store: &str) -> Result<u8, Failure> {
    let store = open_store(store).await?;
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
async fn list_tokens(store: &str, json: bool) -> Result<u8, Failure> {
    let store = open_store(store).await?;
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
async fn revoke_token(name: &str, store: &str) -> Result<u8, Failure> {
    let store = open_store(store).await?;
    let n = auth::revoke_token(store.as_ref(), name)
        .await
        .map_err(auth_err)?;
    eprintln!("revoked {n} token(s) named '{name}'");
    log_token_change(store.as_ref(), "token.revoke", name).await?;
    Ok(exit::OK)
}
