//! The permission matrix of a portal, and overrides at portal, account and user level.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, get, put, web};
use portcullis_shared::Permission;
use portcullis_shared::admin::{OverrideInput, OverrideScope, PermissionMatrix, PermissionRow};
use serde::Deserialize;

use crate::audit::{self, AuditNote};
use crate::auth::guards::AdminUser;
use crate::db::Db;
use crate::domain::permissions::OverrideLevel;
use crate::error::ApiError;
use crate::storage::{Scope, accounts, permissions, portals, users};

type Problem = portcullis_shared::Problem;

/// Which portal's matrix.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct MatrixQuery {
    pub portal_id: String,
}

async fn build_matrix(db: &Db, portal_id: &str) -> Result<PermissionMatrix, ApiError> {
    let portal = portals::find_by_id(db, portal_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let all = permissions::for_portal(db, portal_id).await?;
    let rows = Permission::for_kind(portal.kind)
        .map(|p| {
            let spec = p.spec();
            let of = |level: OverrideLevel| -> BTreeMap<String, bool> {
                all.iter()
                    .filter(|(l, _, perm, _)| *l == level && *perm == p)
                    .map(|(_, id, _, allowed)| (id.clone(), *allowed))
                    .collect()
            };
            PermissionRow {
                permission: p,
                label: spec.label.to_owned(),
                default: spec.default,
                portal: of(OverrideLevel::Portal)
                    .into_values()
                    .next()
                    .unwrap_or(spec.default),
                accounts: of(OverrideLevel::Account),
                users: of(OverrideLevel::User),
            }
        })
        .collect();
    Ok(PermissionMatrix {
        portal_id: portal.id,
        rows,
    })
}

/// Permission × portal default / account overrides / user overrides, for one portal.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(MatrixQuery), responses(
    (status = 200, body = PermissionMatrix),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/permissions")]
pub async fn matrix(
    _admin: AdminUser,
    db: web::Data<Db>,
    q: web::Query<MatrixQuery>,
) -> Result<web::Json<PermissionMatrix>, ApiError> {
    Ok(web::Json(build_matrix(&db, &q.portal_id).await?))
}

/// Sets or removes one override. Account and user overrides take a portal's permission
/// only if the account or user is of that portal's type.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = OverrideInput, responses(
    (status = 200, description = "The updated matrix of the portal concerned", body = PermissionMatrix),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[put("/admin/permissions")]
pub async fn set_override(
    req: HttpRequest,
    admin: AdminUser,
    db: web::Data<Db>,
    body: web::Json<OverrideInput>,
) -> Result<web::Json<PermissionMatrix>, ApiError> {
    let input = body.into_inner();
    let kind = input.permission.spec().kind;
    // The portal whose matrix the override shows in, and whether the target fits the permission.
    let portal_id = match input.scope {
        OverrideScope::Portal => portals::find_by_id(&db, &input.scope_id)
            .await?
            .filter(|p| p.kind == kind)
            .map(|p| p.id),
        OverrideScope::Account => {
            match accounts::get(&db, &Scope::admin_of(&admin.0), &input.scope_id)
                .await?
                .filter(|a| a.kind == kind)
            {
                Some(_) => portals::list_all(&db, &Scope::admin_of(&admin.0))
                    .await?
                    .into_iter()
                    .find(|p| p.kind == kind)
                    .map(|p| p.id),
                None => None,
            }
        }
        OverrideScope::User => users::find_by_id(&db, &input.scope_id)
            .await?
            .filter(|u| u.role.portal_kind() == Some(kind))
            .and_then(|u| u.portal_id),
    };
    let Some(portal_id) = portal_id else {
        return Err(ApiError::field(
            "scope_id",
            "not_found",
            "must name a portal, account or user of the permission's portal type",
        ));
    };
    let level = match input.scope {
        OverrideScope::Portal => OverrideLevel::Portal,
        OverrideScope::Account => OverrideLevel::Account,
        OverrideScope::User => OverrideLevel::User,
    };
    permissions::set(&db, level, &input.scope_id, input.permission, input.allowed).await?;
    audit::note(
        &req,
        AuditNote {
            action: Some("permission.set".into()),
            object_type: Some(format!("{level:?}").to_lowercase()),
            object_id: Some(input.scope_id.clone()),
            details: Some(
                serde_json::json!({ "permission": input.permission, "allowed": input.allowed }),
            ),
            ..AuditNote::default()
        },
    );
    Ok(web::Json(build_matrix(&db, &portal_id).await?))
}
