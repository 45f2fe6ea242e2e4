//! Users: internal staff and external customer and partner users.

use portcullis_shared::Role;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::storage::{Sql, UserScope};
use crate::time::{self, Micros};
use sqlx::AnyConnection;

pub use portcullis_shared::admin::UserStatus;

/// A user as stored.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub account_id: Option<String>,
    pub portal_id: Option<String>,
    pub status: UserStatus,
    pub password_hash: Option<String>,
    pub access_expires_at: Option<Micros>,
    pub title: Option<String>,
    pub phone: Option<String>,
}

impl UserRow {
    fn from_row(row: &AnyRow) -> Result<UserRow, sqlx::Error> {
        let role: String = row.try_get("role")?;
        let status: String = row.try_get("status")?;
        let bad = |col: &str, v: &str| sqlx::Error::ColumnDecode {
            index: col.into(),
            source: format!("unexpected value {v:?}").into(),
        };
        Ok(UserRow {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            role: Role::parse(&role).ok_or_else(|| bad("role", &role))?,
            account_id: row.try_get("account_id")?,
            portal_id: row.try_get("portal_id")?,
            status: UserStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
            password_hash: row.try_get("password_hash")?,
            access_expires_at: row.try_get("access_expires_at")?,
            title: row.try_get("title")?,
            phone: row.try_get("phone")?,
        })
    }

    /// Whether the user may sign in now: active and within any access expiry.
    pub fn may_sign_in(&self, now: Micros) -> bool {
        self.status == UserStatus::Active && self.access_expires_at.is_none_or(|t| t > now)
    }
}

macro_rules! user_columns {
    () => {
        "id, email, name, role, account_id, portal_id, status, password_hash, \
         access_expires_at, title, phone"
    };
}

/// Emails are unique case-insensitively; this is the form the index holds.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A user by email, any case.
#[tracing::instrument(skip(conn, email))]
pub async fn find_by_email(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE email_normalized = $1"
    ))
    .bind(normalize_email(email))
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| UserRow::from_row(&r))
    .transpose()
}

/// A user by id.
#[tracing::instrument(skip(conn))]
pub async fn find_by_id(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| UserRow::from_row(&r))
    .transpose()
}

/// A user by id, if within `scope`: the lookup every administration action starts from.
pub async fn find_in_scope(
    conn: &mut AnyConnection,
    scope: &UserScope,
    id: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    let mut sql = Sql::new(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id = "
    ));
    sql.bind(id);
    scope.restrict(&mut sql, "account_id");
    sql.query()
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| UserRow::from_row(&r))
        .transpose()
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub account_id: Option<String>,
    pub portal_id: Option<String>,
    pub status: UserStatus,
    pub password_hash: Option<String>,
}

/// Creates a user unless the email is taken; returns the new id, or `None` if taken.
#[tracing::instrument(skip(conn, user), fields(role = user.role.as_str()))]
pub async fn insert_if_absent(
    conn: &mut AnyConnection,
    user: &NewUser,
) -> Result<Option<String>, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    let now = time::now();
    let done = sqlx::query(
        "INSERT INTO users (id, email, email_normalized, name, role, account_id, portal_id, \
         status, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
         ON CONFLICT (email_normalized) DO NOTHING",
    )
    .bind(&id)
    .bind(user.email.trim())
    .bind(normalize_email(&user.email))
    .bind(&user.name)
    .bind(user.role.as_str())
    .bind(&user.account_id)
    .bind(&user.portal_id)
    .bind(user.status.as_str())
    .bind(&user.password_hash)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok((done.rows_affected() == 1).then_some(id))
}

/// Records a successful sign-in.
pub async fn record_sign_in(conn: &mut AnyConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET previous_sign_in_at = last_sign_in_at, last_sign_in_at = $1, \
         stale_since = NULL WHERE id = $2",
    )
    .bind(time::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets the status of a user within `scope` (deactivation also ends their sessions: see
/// `sessions::end_all`). False when there is no such user in scope.
pub async fn set_status(
    conn: &mut AnyConnection,
    scope: &UserScope,
    id: &str,
    status: UserStatus,
) -> Result<bool, sqlx::Error> {
    let mut sql = Sql::new("UPDATE users SET status = ");
    sql.bind(status.as_str())
        .push(", updated_at = ")
        .bind(time::now())
        .push(" WHERE id = ")
        .bind(id);
    scope.restrict(&mut sql, "account_id");
    Ok(sql.query().execute(&mut *conn).await?.rows_affected() == 1)
}

/// Filters of the user list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Only users flagged by the stale-access review.
    pub stale: bool,
    /// `customer`, `partner` or `internal`.
    pub portal_type: Option<String>,
    pub account_id: Option<String>,
    pub status: Option<String>,
    pub role: Option<String>,
    /// Text the email or name contains, any case.
    pub text: Option<String>,
}

/// A `LIKE` pattern matching `text` anywhere, with its wildcards escaped (`\` escapes).
fn contains_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

fn admin_view(r: &AnyRow) -> Result<portcullis_shared::admin::User, sqlx::Error> {
    let role: String = r.try_get("role")?;
    Ok(portcullis_shared::admin::User {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        role: Role::parse(&role).ok_or_else(|| sqlx::Error::ColumnDecode {
            index: "role".into(),
            source: format!("unexpected role {role:?}").into(),
        })?,
        status: {
            let status: String = r.try_get("status")?;
            UserStatus::parse(&status).ok_or_else(|| sqlx::Error::ColumnDecode {
                index: "status".into(),
                source: format!("unexpected status {status:?}").into(),
            })?
        },
        account_id: r.try_get("account_id")?,
        portal_id: r.try_get("portal_id")?,
        access_expires_at: r
            .try_get::<Option<i64>, _>("access_expires_at")?
            .map(time::to_rfc3339),
        last_sign_in_at: r
            .try_get::<Option<i64>, _>("last_sign_in_at")?
            .map(time::to_rfc3339),
        created_at: time::to_rfc3339(r.try_get("created_at")?),
        stale: r.try_get::<Option<i64>, _>("stale_since")?.is_some(),
        regions: r
            .try_get::<Option<String>, _>("regions")?
            .map(|r| crate::storage::sessions::split_regions(&r))
            .unwrap_or_default(),
    })
}

macro_rules! admin_columns {
    () => {
        "id, email, name, role, status, account_id, portal_id, access_expires_at, \
         last_sign_in_at, created_at, stale_since, regions"
    };
}

/// Users within `scope` matching `f`, after `cursor`, oldest first. The WHERE clause names
/// only the filters given.
pub async fn list(
    conn: &mut AnyConnection,
    scope: &UserScope,
    f: &UserFilter,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Vec<portcullis_shared::admin::User>, sqlx::Error> {
    let mut sql = Sql::new(concat!(
        "SELECT ",
        admin_columns!(),
        " FROM users WHERE 1 = 1"
    ));
    scope.restrict(&mut sql, "account_id");
    match f.portal_type.as_deref() {
        Some("customer") => {
            sql.push(" AND role = 'customer_user'");
        }
        Some("partner") => {
            sql.push(" AND role IN ('partner_user', 'partner_admin')");
        }
        Some(_) => {
            sql.push(" AND role IN ('admin', 'manager', 'channel_manager', 'sales_rep')");
        }
        None => {}
    }
    if let Some(account) = &f.account_id {
        sql.push(" AND account_id = ").bind(account);
    }
    if let Some(status) = &f.status {
        sql.push(" AND status = ").bind(status);
    }
    if let Some(role) = &f.role {
        sql.push(" AND role = ").bind(role);
    }
    if f.stale {
        sql.push(" AND stale_since IS NOT NULL");
    }
    if let Some(text) = &f.text {
        let pattern = contains_pattern(text);
        sql.push(" AND (email_normalized LIKE ")
            .bind(pattern.clone())
            .push(" ESCAPE '\\' OR LOWER(name) LIKE ")
            .bind(pattern)
            .push(" ESCAPE '\\')");
    }
    if let Some(cursor) = cursor {
        sql.push(" AND id > ").bind(cursor);
    }
    sql.push(" ORDER BY id LIMIT ").bind(limit);
    sql.query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(admin_view)
        .collect()
}

/// One user within `scope`, as administrators see it.
pub async fn get_admin_view(
    conn: &mut AnyConnection,
    scope: &UserScope,
    id: &str,
) -> Result<Option<portcullis_shared::admin::User>, sqlx::Error> {
    let mut sql = Sql::new(concat!(
        "SELECT ",
        admin_columns!(),
        " FROM users WHERE id = "
    ));
    sql.bind(id);
    scope.restrict(&mut sql, "account_id");
    sql.query()
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| admin_view(&r))
        .transpose()
}

/// The emails of the users among `ids` within `scope` (those that still exist).
pub async fn emails(
    conn: &mut AnyConnection,
    scope: &UserScope,
    ids: &[&str],
) -> Result<std::collections::HashMap<String, String>, sqlx::Error> {
    let mut found = std::collections::HashMap::new();
    // A few hundred at a time keeps every backend well inside its bind-parameter limit.
    for chunk in ids.chunks(500) {
        let mut sql = Sql::new("SELECT id, email FROM users WHERE id IN ");
        sql.bind_list(chunk);
        scope.restrict(&mut sql, "account_id");
        for r in sql.query().fetch_all(&mut *conn).await? {
            found.insert(r.try_get("id")?, r.try_get("email")?);
        }
    }
    Ok(found)
}

/// Moves an external user to another account.
pub async fn set_account(
    conn: &mut AnyConnection,
    id: &str,
    account_id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET account_id = $1, updated_at = $2 WHERE id = $3")
        .bind(account_id)
        .bind(time::now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets or clears the access expiry.
pub async fn set_access_expiry(
    conn: &mut AnyConnection,
    id: &str,
    at: Option<Micros>,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE users SET access_expires_at = $1, updated_at = $2 WHERE id = $3")
            .bind(at)
            .bind(time::now())
            .bind(id)
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Limits an internal user to regions (`None`: everywhere).
pub async fn set_regions(
    conn: &mut AnyConnection,
    id: &str,
    regions: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET regions = $1, updated_at = $2 WHERE id = $3")
        .bind(regions)
        .bind(time::now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Onboarding state and preferences of a user.
#[derive(Debug, Clone, Default)]
pub struct Onboarding {
    pub notification_prefs: Option<String>,
    pub onboarded: bool,
    pub has_photo: bool,
}

/// Onboarding state, in one query.
pub async fn onboarding(conn: &mut AnyConnection, id: &str) -> Result<Onboarding, sqlx::Error> {
    let row = sqlx::query(
        "SELECT u.notification_prefs, u.onboarded_at, \
         (SELECT COUNT(*) FROM user_photos p WHERE p.user_id = u.id) AS photos \
         FROM users u WHERE u.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else {
        return Ok(Onboarding::default());
    };
    Ok(Onboarding {
        notification_prefs: r.try_get("notification_prefs")?,
        onboarded: r.try_get::<Option<i64>, _>("onboarded_at")?.is_some(),
        has_photo: r.try_get::<i64, _>("photos")? > 0,
    })
}

/// Writes the editable profile fields.
pub async fn set_profile(
    conn: &mut AnyConnection,
    id: &str,
    name: &str,
    title: Option<&str>,
    phone: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET name = $1, title = $2, phone = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(name)
    .bind(title)
    .bind(phone)
    .bind(time::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Stores notification preferences (JSON).
pub async fn set_notification_prefs(
    conn: &mut AnyConnection,
    id: &str,
    json: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET notification_prefs = $1, updated_at = $2 WHERE id = $3")
        .bind(json)
        .bind(time::now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Marks onboarding finished.
pub async fn complete_onboarding(conn: &mut AnyConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET onboarded_at = $1 WHERE id = $2 AND onboarded_at IS NULL")
        .bind(time::now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Replaces the profile photo.
pub async fn set_photo(
    conn: &mut AnyConnection,
    id: &str,
    content_type: &str,
    data: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO user_photos (user_id, content_type, data, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET content_type = excluded.content_type, \
         data = excluded.data, updated_at = excluded.updated_at",
    )
    .bind(id)
    .bind(content_type)
    .bind(data.to_vec())
    .bind(time::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The profile photo, if any.
pub async fn photo(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query("SELECT content_type, data FROM user_photos WHERE user_id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| Ok((r.try_get("content_type")?, r.try_get("data")?)))
        .transpose()
}

/// Flags active external users within `scope` whose last sign-in (or, never having signed
/// in, creation) is before `cutoff`, and unflags those no longer stale. Returns (flagged,
/// unflagged).
pub async fn review_stale(
    conn: &mut AnyConnection,
    scope: &UserScope,
    now: Micros,
    cutoff: Micros,
) -> Result<(u64, u64), sqlx::Error> {
    let mut flag = Sql::new("UPDATE users SET stale_since = ");
    flag.bind(now).push(
        " WHERE stale_since IS NULL AND status = 'active' \
         AND role IN ('customer_user', 'partner_user', 'partner_admin') \
         AND COALESCE(last_sign_in_at, created_at) < ",
    );
    flag.bind(cutoff);
    scope.restrict(&mut flag, "account_id");
    let flagged = flag.query().execute(&mut *conn).await?.rows_affected();
    let mut clear = Sql::new(
        "UPDATE users SET stale_since = NULL WHERE stale_since IS NOT NULL \
         AND (status <> 'active' OR COALESCE(last_sign_in_at, created_at) >= ",
    );
    clear.bind(cutoff).push(")");
    scope.restrict(&mut clear, "account_id");
    let cleared = clear.query().execute(&mut *conn).await?.rows_affected();
    Ok((flagged, cleared))
}

/// How many users within `scope` the access review has flagged.
pub async fn count_stale(conn: &mut AnyConnection, scope: &UserScope) -> Result<i64, sqlx::Error> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM users WHERE stale_since IS NOT NULL");
    scope.restrict(&mut sql, "account_id");
    sql.query().fetch_one(&mut *conn).await?.try_get(0)
}

/// The customer portal a new user of `account_id` joins: where the account's users already
/// are, else the first customer portal.
pub async fn customer_portal_for(
    conn: &mut AnyConnection,
    account_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let existing: Option<String> = sqlx::query_scalar(
        "SELECT portal_id FROM users WHERE account_id = $1 AND portal_id IS NOT NULL \
         ORDER BY created_at LIMIT 1",
    )
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?;
    if existing.is_some() {
        return Ok(existing);
    }
    sqlx::query_scalar(
        "SELECT id FROM portals WHERE kind = 'customer' ORDER BY created_at, id LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await
}

/// Sets whom a user's overdue work escalates to (`None`: the administrators and managers).
pub async fn set_manager(
    conn: &mut AnyConnection,
    user_id: &str,
    manager_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET manager_id = $1 WHERE id = $2")
        .bind(manager_id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
