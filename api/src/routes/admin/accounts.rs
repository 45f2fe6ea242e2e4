//! Account administration: the customer and partner organisations.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use portcullis_shared::admin::{Account, AccountInput, AccountPage, AccountPatch};
use portcullis_shared::{FieldError, PortalKind};
use serde::Deserialize;

use crate::audit::{self, AuditNote};
use crate::auth::guards::{PortalManager, Staff};
use crate::db::Db;
use crate::domain::portal::{check_name, is_valid_hostname};
use crate::error::ApiError;
use crate::routes::admin::page_limit;
use crate::storage::{Scope, accounts, users};

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
pub async fn list(
    staff: Staff,
    db: web::Data<Db>,
    q: web::Query<AccountQuery>,
) -> Result<web::Json<AccountPage>, ApiError> {
    let limit = page_limit(q.limit);
    let mut rows = accounts::list(
        &db,
        &Scope::records_of(&staff.0),
        q.kind,
        q.cursor.as_deref(),
        limit + 1,
    )
    .await?;
    let next_cursor = (rows.len() as i64 > limit)
        .then(|| {
            rows.truncate(limit as usize);
            rows.last().map(|a| a.id.clone())
        })
        .flatten();
    Ok(web::Json(AccountPage {
        items: rows,
        next_cursor,
    }))
}

/// One account.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Account),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/accounts/{id}")]
pub async fn get(
    staff: Staff,
    db: web::Data<Db>,
    id: web::Path<String>,
) -> Result<web::Json<Account>, ApiError> {
    Ok(web::Json(
        accounts::get(&db, &Scope::records_of(&staff.0), &id)
            .await?
            .ok_or(ApiError::NotFound)?,
    ))
}

/// Creates an account.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = AccountInput, responses(
    (status = 201, body = Account),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/accounts")]
pub async fn create(
    req: HttpRequest,
    who: PortalManager,
    db: web::Data<Db>,
    body: web::Json<AccountInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let scope = Scope::records_of(&who.0);
    let errors = check(&db, &scope, &input, None).await?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let id = accounts::insert(&db, &stored(input)).await?;
    audit::note(
        &req,
        AuditNote {
            action: Some("account.create".into()),
            object_type: Some("account".into()),
            object_id: Some(id.clone()),
            ..AuditNote::default()
        },
    );
    let account = accounts::get(&db, &scope, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/admin/accounts/{id}")))
        .json(account))
}

/// A checked account as stored: names trimmed.
fn stored(input: AccountInput) -> accounts::NewAccount {
    accounts::NewAccount {
        kind: input.kind,
        name: input.name.trim().to_owned(),
        domain: input.domain,
        region: input.region.map(|r| r.trim().to_owned()),
        parent_id: input.parent_id,
        owner_user_id: input.owner_user_id,
    }
}

/// Every problem with an account's fields; `id` is the account being edited, if any.
async fn check(
    db: &Db,
    scope: &Scope,
    input: &AccountInput,
    id: Option<&str>,
) -> Result<Vec<FieldError>, ApiError> {
    let mut errors = Vec::new();
    check_name("name", &input.name, &mut errors);
    if input
        .domain
        .as_deref()
        .is_some_and(|d| !is_valid_hostname(d))
    {
        errors.push(FieldError {
            field: "domain".into(),
            code: "invalid_format".into(),
            message: "must be a lowercase domain such as acme.example".into(),
        });
    }
    if input
        .region
        .as_deref()
        .is_some_and(|r| r.trim().is_empty() || r.chars().count() > 50)
    {
        errors.push(FieldError {
            field: "region".into(),
            code: "invalid_length".into(),
            message: "must be 1-50 characters".into(),
        });
    }
    if let Some(parent) = &input.parent_id {
        let ok = accounts::get(db, scope, parent)
            .await?
            .is_some_and(|p| p.kind == input.kind);
        if !ok {
            errors.push(FieldError {
                field: "parent_id".into(),
                code: "not_found".into(),
                message: "must be an existing account of the same type".into(),
            });
        }
    }
    if let Some(owner) = &input.owner_user_id {
        let ok = users::find_by_id(db, owner)
            .await?
            .is_some_and(|u| u.role.is_internal());
        if !ok {
            errors.push(FieldError {
                field: "owner_user_id".into(),
                code: "not_found".into(),
                message: "must be an internal user".into(),
            });
        }
    }
    if id.is_some() && input.parent_id.as_deref() == id {
        errors.push(FieldError {
            field: "parent_id".into(),
            code: "invalid_value".into(),
            message: "an account cannot be its own parent".into(),
        });
    }
    Ok(errors)
}

/// Changes an account's name, domain, region, parent or owner.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = AccountPatch, responses(
    (status = 200, body = Account),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[patch("/admin/accounts/{id}")]
pub async fn update(
    req: HttpRequest,
    who: PortalManager,
    db: web::Data<Db>,
    id: web::Path<String>,
    body: web::Json<AccountPatch>,
) -> Result<web::Json<Account>, ApiError> {
    let scope = Scope::records_of(&who.0);
    let current = accounts::get(&db, &scope, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let patch = body.into_inner();
    let input = AccountInput {
        kind: current.kind,
        name: patch.name.unwrap_or(current.name),
        domain: patch.domain.unwrap_or(current.domain),
        region: patch.region.unwrap_or(current.region),
        parent_id: patch.parent_id.unwrap_or(current.parent_id),
        owner_user_id: patch.owner_user_id.unwrap_or(current.owner_user_id),
    };
    let errors = check(&db, &scope, &input, Some(&id)).await?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    accounts::update(&db, &id, &stored(input)).await?;
    audit::note(
        &req,
        AuditNote {
            action: Some("account.update".into()),
            object_type: Some("account".into()),
            object_id: Some(id.to_string()),
            ..AuditNote::default()
        },
    );
    Ok(web::Json(
        accounts::get(&db, &scope, &id)
            .await?
            .ok_or(ApiError::NotFound)?,
    ))
}
