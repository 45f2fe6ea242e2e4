//! The permission matrix of a portal, and overrides at portal, account and user level. Each
//! handler calls one use case of `app::permissions`.

use actix_web::{get, put, web};
use portcullis_shared::admin::{OverrideInput, PermissionMatrix};
use serde::Deserialize;

use crate::app::{self, App};
use crate::auth::guards::AdminUser;
use crate::error::ApiError;

type Problem = portcullis_shared::Problem;

/// Which portal's matrix.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct MatrixQuery {
    pub portal_id: String,
}

/// Permission × portal default / account overrides / user overrides, for one portal.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(MatrixQuery), responses(
    (status = 200, body = PermissionMatrix),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/permissions")]
pub async fn get_permission_matrix(
    admin: AdminUser,
    app: web::Data<App>,
    q: web::Query<MatrixQuery>,
) -> Result<web::Json<PermissionMatrix>, ApiError> {
    Ok(web::Json(
        app::permissions::matrix(&app, &admin.0, &q.portal_id).await?,
    ))
}

/// Sets or removes one override. Account and user overrides take a portal's permission
/// only if the account or user is of that portal's type.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = OverrideInput, responses(
    (status = 200, description = "The updated matrix of the portal concerned", body = PermissionMatrix),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[put("/admin/permissions")]
pub async fn set_permission_override(
    admin: AdminUser,
    app: web::Data<App>,
    body: web::Json<OverrideInput>,
) -> Result<web::Json<PermissionMatrix>, ApiError> {
    Ok(web::Json(
        app::permissions::set_override(&app, &admin.0, body.into_inner()).await?,
    ))
}
