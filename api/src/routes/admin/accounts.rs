//! Account administration: the customer and partner organisations. Each handler calls one
//! use case of `app::accounts`.

use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, post, web};
use portcullis_shared::PortalKind;
use portcullis_shared::admin::{Account, AccountInput, AccountPage, AccountPatch};
use serde::Deserialize;

use crate::app::{self, App, page_limit};
use crate::auth::guards::{PortalManager, Staff};
use crate::error::ApiError;

type Problem = portcullis_shared::Problem;

/// Filters of the account list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AccountQuery {
    /// Only customer or only partner accounts.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<PortalKind>,
    /// Page size, 1-200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Accounts, oldest first.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(AccountQuery), responses(
    (status = 200, body = AccountPage),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/accounts")]
pub async fn list_accounts(
    staff: Staff,
    app: web::Data<App>,
    q: web::Query<AccountQuery>,
) -> Result<web::Json<AccountPage>, ApiError> {
    let page = app::accounts::list(
        &app,
        &staff.0,
        q.kind,
        q.cursor.as_deref(),
        page_limit(q.limit),
    )
    .await?;
    Ok(web::Json(AccountPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// One account.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Account),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/accounts/{id}")]
pub async fn get_account(
    staff: Staff,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<Account>, ApiError> {
    Ok(web::Json(app::accounts::get(&app, &staff.0, &id).await?))
}

/// Creates an account.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = AccountInput, responses(
    (status = 201, body = Account),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/accounts")]
pub async fn create_account(
    who: PortalManager,
    app: web::Data<App>,
    body: web::Json<AccountInput>,
) -> Result<HttpResponse, ApiError> {
    let account = app::accounts::create(&app, &who.0, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/admin/accounts/{}", account.id),
        ))
        .json(account))
}

/// Changes an account's name, domain, region, parent or owner.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = AccountPatch, responses(
    (status = 200, body = Account),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[patch("/admin/accounts/{id}")]
pub async fn update_account(
    who: PortalManager,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<AccountPatch>,
) -> Result<web::Json<Account>, ApiError> {
    Ok(web::Json(
        app::accounts::update(&app, &who.0, &id, body.into_inner()).await?,
    ))
}
