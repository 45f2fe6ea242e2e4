//! The signed-in user: who they are, where, and what they may do.

use actix_web::{get, web};
use portcullis_shared::Me;
use portcullis_shared::auth::{AccountSummary, MeUser, PortalSummary};

use crate::auth::Principal;
use crate::db::Db;
use crate::domain::permissions;
use crate::error::ApiError;
use crate::storage::{accounts, permissions as overrides, portals, users};

/// The signed-in user, their role, account, portal and effective permissions.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, description = "Not signed in, or the session has ended", body = portcullis_shared::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
pub async fn me(principal: Principal, db: web::Data<Db>) -> Result<web::Json<Me>, ApiError> {
    let user =
        users::find_by_id(&db, &principal.user_id)
            .await?
            .ok_or(ApiError::Unauthenticated(
                "The session has ended; sign in again.",
            ))?;
    let account = match &user.account_id {
        Some(id) => accounts::find_by_id(&db, id).await?,
        None => None,
    };
    let portal = match &principal.portal_id {
        Some(id) => portals::find_by_id(&db, id).await?,
        None => None,
    };
    let permissions = match (&portal, &account, user.role.portal_kind()) {
        (Some(p), Some(a), Some(kind)) => {
            let found = overrides::for_user(&db, &p.id, &a.id, &user.id).await?;
            permissions::effective(kind, &found)
        }
        _ => Vec::new(),
    };
    Ok(web::Json(Me {
        user: MeUser {
            id: user.id,
            email: user.email,
            name: user.name,
            role: user.role,
            title: user.title,
            phone: user.phone,
        },
        account: account.map(|a| AccountSummary {
            id: a.id,
            name: a.name,
            kind: a.kind,
        }),
        portal: portal.map(|p| PortalSummary {
            slug: p.slug,
            name: p.name,
            kind: p.kind,
        }),
        permissions,
    }))
}
