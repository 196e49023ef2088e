//! Token management over HTTP, for admins (the same as `sohoa token`).

use super::cases::path;
use super::{ApiError, AppState, Caller, Target};
use crate::auth::{self, AuthError, Permission, Role};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::sync::Arc;

fn auth_error(e: AuthError) -> ApiError {
    match e {
        AuthError::BadName(_) | AuthError::BadUnit(_) => ApiError::bad_request(e.to_string()),
        AuthError::NameTaken(_) => ApiError::conflict(e.to_string()),
        AuthError::NoSuchToken(_) => ApiError::not_found(e.to_string()),
        AuthError::Random(_) => ApiError::internal("making a token", e),
        AuthError::Store(e) => e.into(),
    }
}

/// Token management needs an admin token without a unit.
async fn admit(
    caller: &Caller,
    state: &AppState,
    action: &str,
    target: Option<&str>,
) -> Result<(), ApiError> {
    if caller.token.role == Role::Admin && caller.token.unit.is_some() {
        let t = Target {
            case_code: None,
            target,
        };
        let why = "managing tokens needs an admin token without a unit";
        caller
            .log(state, action, "refused", &t, Some(why.into()))
            .await?;
        return Err(ApiError::forbidden(why));
    }
    let target = Target {
        case_code: None,
        target,
    };
    caller
        .authorize(state, Permission::ManageTokens, action, target, true)
        .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddBody {
    name: String,
    role: Role,
    unit: Option<String>,
}

pub async fn add(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    admit(&caller, &state, "token.add", None).await?;
    let body = body?;
    let req: AddBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "body must be {{\"name\": ..., \"role\": station|officer|archivist|admin, \"unit\": optional}}: {e}"
        ))
    })?;
    let (secret, record) = auth::add_token(
        state.store.as_ref(),
        &req.name,
        req.role,
        req.unit.as_deref(),
    )
    .await
    .map_err(auth_error)?;
    let mut body = serde_json::to_value(&record).unwrap_or_default();
    body["token"] = secret.into();
    Ok((StatusCode::CREATED, Json(body)))
}

pub async fn list(
    caller: Caller,
    State(state): State<Arc<AppState>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    admit(&caller, &state, "token.list", None).await?;
    let tokens = auth::list_tokens(state.store.as_ref())
        .await
        .map_err(auth_error)?;
    Ok(Json(serde_json::json!({ "tokens": tokens })))
}

pub async fn revoke(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    p: Result<Path<String>, PathRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let name = path(p)?;
    if !auth::valid_name(&name) {
        return Err(auth_error(AuthError::BadName(
            name.chars().take(64).collect(),
        )));
    }
    admit(&caller, &state, "token.revoke", Some(&name)).await?;
    let n = auth::revoke_token(state.store.as_ref(), &name)
        .await
        .map_err(auth_error)?;
    Ok(Json(serde_json::json!({ "name": name, "revoked": n })))
}
