//! Invitations: single-use links, stored only as hashes, valid for seven days.

use sqlx::Row;

use crate::time::{self, Micros};
use sqlx::AnyConnection;

/// How long an invitation link stays valid.
pub const VALID_FOR_MICROS: i64 = 7 * 24 * 3600 * 1_000_000;

/// Opens an invitation for a user, revoking any earlier open one; returns its id. Runs in
/// the caller's transaction.
pub async fn create(
    conn: &mut AnyConnection,
    user_id: &str,
    token_hash: &str,
    invited_by: Option<&str>,
) -> Result<String, sqlx::Error> {
    let now = time::now();
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query("UPDATE invitations SET revoked_at = $1 WHERE user_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL")
        .bind(now)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO invitations (id, user_id, token_hash, invited_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(token_hash)
    .bind(invited_by)
    .bind(now)
    .bind(now + VALID_FOR_MICROS)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// An open invitation.
#[derive(Debug, Clone)]
pub struct OpenInvitation {
    pub id: String,
    pub user_id: String,
    pub expires_at: Micros,
}

/// The open (not accepted, not revoked, not expired) invitation with this token hash.
pub async fn find_open(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: Micros,
) -> Result<Option<OpenInvitation>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, user_id, expires_at FROM invitations WHERE token_hash = $1 \
         AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(OpenInvitation {
            id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            expires_at: r.try_get("expires_at")?,
        })
    })
    .transpose()
}

/// Accepts an invitation: sets the password and activates the user, once. False when the
/// invitation was used (or revoked) by a concurrent request.
pub async fn accept(
    conn: &mut AnyConnection,
    invitation_id: &str,
    user_id: &str,
    password_hash: &str,
    name: &str,
) -> Result<bool, sqlx::Error> {
    let now = time::now();
    let done = sqlx::query(
        "UPDATE invitations SET accepted_at = $1 WHERE id = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(invitation_id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE users SET password_hash = $1, name = $2, status = 'active', updated_at = $3 \
         WHERE id = $4 AND status = 'invited'",
    )
    .bind(password_hash)
    .bind(name)
    .bind(now)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// One row of a bulk invitation.
#[derive(Debug, Clone)]
pub struct BulkRow {
    pub email: String,
    pub name: String,
    pub token_hash: String,
}

/// What bulk invitation did with one address.
#[derive(Debug, Clone)]
pub struct BulkOutcome {
    pub email: String,
    pub created: bool,
    pub user_id: String,
}

/// Invites many people: a user and an invitation for each new address; addresses that
/// already have a user are left alone and reported. Runs in the caller's transaction.
pub async fn bulk_create(
    conn: &mut AnyConnection,
    rows: &[BulkRow],
    role: &str,
    account_id: Option<&str>,
    portal_id: Option<&str>,
    invited_by: Option<&str>,
) -> Result<Vec<BulkOutcome>, sqlx::Error> {
    let now = time::now();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let user_id = uuid::Uuid::now_v7().to_string();
        let done = sqlx::query(
            "INSERT INTO users (id, email, email_normalized, name, role, account_id, portal_id, \
             status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'invited', $8, $8) \
             ON CONFLICT (email_normalized) DO NOTHING",
        )
        .bind(&user_id)
        .bind(&r.email)
        .bind(crate::storage::users::normalize_email(&r.email))
        .bind(&r.name)
        .bind(role)
        .bind(account_id)
        .bind(portal_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 1 {
            sqlx::query(
                "INSERT INTO invitations (id, user_id, token_hash, invited_by, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(&user_id)
            .bind(&r.token_hash)
            .bind(invited_by)
            .bind(now)
            .bind(now + VALID_FOR_MICROS)
            .execute(&mut *conn)
            .await?;
            out.push(BulkOutcome {
                email: r.email.clone(),
                created: true,
                user_id,
            });
        } else {
            let existing: String =
                sqlx::query_scalar("SELECT id FROM users WHERE email_normalized = $1")
                    .bind(crate::storage::users::normalize_email(&r.email))
                    .fetch_one(&mut *conn)
                    .await?;
            out.push(BulkOutcome {
                email: r.email.clone(),
                created: false,
                user_id: existing,
            });
        }
    }
    Ok(out)
}
