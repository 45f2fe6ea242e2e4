//! The permission matrix of a portal, and overrides at portal, account and user level.

use portcullis_shared::FieldCode;
use std::collections::BTreeMap;

use portcullis_shared::Permission;
use portcullis_shared::admin::{OverrideInput, OverrideScope, PermissionMatrix, PermissionRow};
use sqlx::AnyConnection;

use crate::app::scope::{self, require};
use crate::app::{Actor, App, Audit};
use crate::auth::Principal;
use crate::domain::permissions::OverrideLevel;
use crate::error::ApiError;
use crate::storage::{accounts, permissions, portals, users};

async fn build_matrix(
    conn: &mut AnyConnection,
    portal_id: &str,
) -> Result<PermissionMatrix, ApiError> {
    let portal = portals::find_by_id(conn, portal_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let all = permissions::for_portal(conn, portal_id).await?;
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
pub async fn matrix(
    app: &App,
    p: &Principal,
    portal_id: &str,
) -> Result<PermissionMatrix, ApiError> {
    require::administer(p)?;
    let mut conn = app.read().await?;
    build_matrix(&mut conn, portal_id).await
}

/// Sets or removes one override. Account and user overrides take a portal's permission
/// only if the account or user is of that portal's type.
pub async fn set_override(
    app: &App,
    p: &Principal,
    input: OverrideInput,
) -> Result<PermissionMatrix, ApiError> {
    require::administer(p)?;
    let mut tx = app.begin().await?;
    let kind = input.permission.spec().kind;
    // The portal whose matrix the override shows in, and whether the target fits the permission.
    let portal_id = match input.scope {
        OverrideScope::Portal => portals::find_by_id(&mut tx, &input.scope_id)
            .await?
            .filter(|p| p.kind == kind)
            .map(|p| p.id),
        OverrideScope::Account => {
            match accounts::get(&mut tx, &scope::accounts(p), &input.scope_id)
                .await?
                .filter(|a| a.kind == kind)
            {
                Some(_) => portals::list_all(&mut tx, &scope::accounts(p))
                    .await?
                    .into_iter()
                    .find(|p| p.kind == kind)
                    .map(|p| p.id),
                None => None,
            }
        }
        OverrideScope::User => users::find_by_id(&mut tx, &input.scope_id)
            .await?
            .filter(|u| u.role.portal_kind() == Some(kind))
            .and_then(|u| u.portal_id),
    };
    let Some(portal_id) = portal_id else {
        return Err(ApiError::field(
            "scope_id",
            FieldCode::NotFound,
            "must name a portal, account or user of the permission's portal type",
        ));
    };
    let level = match input.scope {
        OverrideScope::Portal => OverrideLevel::Portal,
        OverrideScope::Account => OverrideLevel::Account,
        OverrideScope::User => OverrideLevel::User,
    };
    permissions::set(
        &mut tx,
        level,
        &input.scope_id,
        input.permission,
        input.allowed,
    )
    .await?;
    tx.audit(
        Audit::new(Actor::User(p), "permission.set")
            .object(&format!("{level:?}").to_lowercase(), input.scope_id.clone())
            .details(
                serde_json::json!({ "permission": input.permission, "allowed": input.allowed }),
            ),
    )
    .await?;
    let matrix = build_matrix(&mut tx, &portal_id).await?;
    tx.commit().await?;
    Ok(matrix)
}
