//! Permission overrides at portal, account and user level.

use portcullis_shared::Permission;
use sqlx::Row;

use crate::domain::permissions::{Override, OverrideLevel};
use sqlx::AnyConnection;

/// Every override that bears on one user, in one round trip.
pub async fn for_user(
    conn: &mut AnyConnection,
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
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let kind: String = r.try_get("scope_kind")?;
        let name: String = r.try_get("permission")?;
        let allowed: i64 = r.try_get("allowed")?;
        out.extend(decode(&kind, &name, allowed));
    }
    Ok(out)
}

/// One stored override; `None` when it names a permission this version does not know.
pub fn decode(scope_kind: &str, permission: &str, allowed: i64) -> Option<Override> {
    let level = match scope_kind {
        "portal" => OverrideLevel::Portal,
        "account" => OverrideLevel::Account,
        _ => OverrideLevel::User,
    };
    let permission =
        serde_json::from_value::<Permission>(serde_json::Value::String(permission.to_owned()))
            .ok()?;
    Some(Override {
        level,
        permission,
        allowed: allowed != 0,
    })
}

fn level_name(level: OverrideLevel) -> &'static str {
    match level {
        OverrideLevel::Portal => "portal",
        OverrideLevel::Account => "account",
        OverrideLevel::User => "user",
    }
}

fn permission_name(p: Permission) -> String {
    serde_json::to_value(p)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Sets (`Some`) or removes (`None`) one override.
pub async fn set(
    conn: &mut AnyConnection,
    level: OverrideLevel,
    scope_id: &str,
    permission: Permission,
    allowed: Option<bool>,
) -> Result<(), sqlx::Error> {
    let name = permission_name(permission);
    match allowed {
        None => {
            sqlx::query(
                "DELETE FROM permission_overrides WHERE scope_kind = $1 AND scope_id = $2 AND permission = $3",
            )
            .bind(level_name(level))
            .bind(scope_id)
            .bind(name)
            .execute(&mut *conn)
            .await?;
        }
        Some(allowed) => {
            sqlx::query(
                "INSERT INTO permission_overrides (scope_kind, scope_id, permission, allowed, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (scope_kind, scope_id, permission) \
                 DO UPDATE SET allowed = excluded.allowed, updated_at = excluded.updated_at",
            )
            .bind(level_name(level))
            .bind(scope_id)
            .bind(name)
            .bind(i64::from(allowed))
            .bind(crate::time::now())
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Every override bearing on a portal: its own, and those of accounts and users of its type.
pub async fn for_portal(
    conn: &mut AnyConnection,
    portal_id: &str,
) -> Result<Vec<(OverrideLevel, String, Permission, bool)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT o.scope_kind, o.scope_id, o.permission, o.allowed FROM permission_overrides o \
         WHERE (o.scope_kind = 'portal' AND o.scope_id = $1) \
            OR (o.scope_kind = 'account' AND o.scope_id IN \
                (SELECT a.id FROM accounts a JOIN portals p ON p.kind = a.kind WHERE p.id = $1)) \
            OR (o.scope_kind = 'user' AND o.scope_id IN (SELECT u.id FROM users u WHERE u.portal_id = $1))",
    )
    .bind(portal_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let level = match r.try_get::<String, _>("scope_kind")?.as_str() {
            "portal" => OverrideLevel::Portal,
            "account" => OverrideLevel::Account,
            _ => OverrideLevel::User,
        };
        let name: String = r.try_get("permission")?;
        let Ok(p) = serde_json::from_value::<Permission>(serde_json::Value::String(name)) else {
            continue;
        };
        let allowed: i64 = r.try_get("allowed")?;
        out.push((level, r.try_get("scope_id")?, p, allowed != 0));
    }
    Ok(out)
}
