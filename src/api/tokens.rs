//! Token management over HTTP, for admins (the same as `sohoa token`).

use super::cases::path;
use super::doc::{BODY_TOO_LARGE, STORE_UNAVAILABLE, TokenPath};
use super::error::ErrorBody;
use super::{ApiError, AppState, Caller, Target};
use crate::auth::{self, AuthError, Permission, Role, TokenInfo, TokenRecord};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
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

/// A token to make.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenCreateRequest {
    /// 1-64 letters, digits, '.', '-' or '_'; unique among active tokens.
    name: String,
    role: Role,
    /// Limit the token to cases whose code starts with this agency prefix
    /// (1-32 letters, digits or '.').
    unit: Option<String>,
}

/// The new token, with its secret.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenCreated {
    #[serde(flatten)]
    record: TokenRecord,
    /// The bearer secret. Shown only this once; the store keeps only its
    /// SHA-256.
    token: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenList {
    /// Every token ever made, revoked ones included, oldest first.
    tokens: Vec<TokenInfo>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Revoked {
    /// The name revoked.
    name: String,
    /// How many active tokens had the name.
    #[schema(minimum = 1)]
    revoked: usize,
}

const NOT_ADMIN: &str = "`forbidden`: the token is not an admin token without a unit. The refusal is logged in the access log.";

#[utoipa::path(
    post,
    path = "/v1/tokens",
    operation_id = "createToken",
    tag = "tokens",
    summary = "Make a token",
    description = "Role: `admin`, without a unit (a unit-scoped admin token gets 403). The secret is in the answer and nowhere else.",
    request_body(content = TokenCreateRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Made.", body = TokenCreated),
        (status = 400, description = "`bad_request`: the body is not JSON of the expected shape (unknown fields are refused, `role` must be one of the four), or the name or unit is malformed.", body = ErrorBody),
        (status = 403, description = NOT_ADMIN, body = ErrorBody),
        (status = 409, description = "`conflict`: an active token already has this name; revoke it first or pick another.", body = ErrorBody),
        (status = 413, description = BODY_TOO_LARGE, body = ErrorBody),
        (status = 500, description = "`internal`: generating the secret failed. The message carries a reference to the server log, no details.", body = ErrorBody),
        (status = 503, description = STORE_UNAVAILABLE, body = ErrorBody),
    )
)]
pub async fn add(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<TokenCreated>), ApiError> {
    admit(&caller, &state, "token.add", None).await?;
    let body = body?;
    let req: TokenCreateRequest = serde_json::from_slice(&body).map_err(|e| {
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
    let body = TokenCreated {
        record,
        token: secret,
    };
    Ok((StatusCode::CREATED, Json(body)))
}

#[utoipa::path(
    get,
    path = "/v1/tokens",
    operation_id = "listTokens",
    tag = "tokens",
    summary = "List tokens",
    description = "Role: `admin`, without a unit (a unit-scoped admin token gets 403). Every token ever made, revoked ones included, without secrets (as `sohoa token list`).",
    responses(
        (status = 200, description = "The tokens.", body = TokenList),
        (status = 403, description = NOT_ADMIN, body = ErrorBody),
        (status = 503, description = STORE_UNAVAILABLE, body = ErrorBody),
    )
)]
pub async fn list(
    caller: Caller,
    State(state): State<Arc<AppState>>,
) -> Result<Json<TokenList>, ApiError> {
    admit(&caller, &state, "token.list", None).await?;
    let tokens = auth::list_tokens(state.store.as_ref())
        .await
        .map_err(auth_error)?;
    Ok(Json(TokenList { tokens }))
}

#[utoipa::path(
    delete,
    path = "/v1/tokens/{name}",
    operation_id = "revokeToken",
    tag = "tokens",
    summary = "Revoke a token",
    description = "Role: `admin`, without a unit (a unit-scoped admin token gets 403). Revokes every active token of this name (revocation is a write-once record in the store; it takes effect on every instance at once).",
    params(TokenPath),
    responses(
        (status = 200, description = "Revoked.", body = Revoked),
        (status = 400, description = "`bad_request`: malformed path.", body = ErrorBody),
        (status = 403, description = NOT_ADMIN, body = ErrorBody),
        (status = 404, description = "`not_found`: no active token has this name.", body = ErrorBody),
        (status = 503, description = STORE_UNAVAILABLE, body = ErrorBody),
    )
)]
pub async fn revoke(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    p: Result<Path<String>, PathRejection>,
) -> Result<Json<Revoked>, ApiError> {
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
    Ok(Json(Revoked { name, revoked: n }))
}
