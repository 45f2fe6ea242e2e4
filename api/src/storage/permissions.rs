//! Permission overrides at portal, account and user level.

use portcullis_shared::Permission;
use sqlx::Row;

use crate::db::Db;
use crate::domain::permissions::{Override, OverrideLevel};

/// Every override that bears on one user, in one round trip.
pub async fn for_user(
    db: &Db,
    portal_id: &str,
    account_id: &str,
    user_id: &str,
) -> Result<Vec<Override>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT scope_kind, permission, allowed FROM permission_overrides \
         WHERE (scope_kind = 'portal' AND scope_id = $1) \
            OR (scope_kind = 'account' AND scope_id = $2) \
            OR (scope_kind = 'user' AND scope_id = $3)",
    )
    .bind(portal_id)
    .bind(account_id)
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let level = match r.try_get::<String, _>("scope_kind")?.as_str() {
            "portal" => OverrideLevel::Portal,
            "account" => OverrideLevel::Account,
            _ => OverrideLevel::User,
        };
        let name: String = r.try_get("permission")?;
        // An override naming a permission this version does not know is ignored.
        let Ok(permission) = serde_json::from_value::<Permission>(serde_json::Value::String(name))
        else {
            continue;
        };
        let allowed: i64 = r.try_get("allowed")?;
        out.push(Override {
            level,
            permission,
            allowed: allowed != 0,
        });
    }
    Ok(out)
}
