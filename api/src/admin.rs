//! Operator tasks run from the command line.

use anyhow::{Context, bail};
use portcullis_shared::Role;
use portcullis_shared::validate::is_plausible_email;

use crate::auth::password::{Hasher, check_policy};
use crate::db::Db;
use crate::storage::audit;
use crate::storage::users::{self, NewUser, UserStatus};

/// Creates an active administrator; refuses a bad email, a weak password or a taken email.
pub async fn create_admin(
    db: &Db,
    email: &str,
    name: &str,
    password: &str,
) -> anyhow::Result<String> {
    let email = email.trim();
    if !is_plausible_email(email) {
        bail!("--email {email:?} is not an email address");
    }
    if let Err(e) = check_policy("password", password) {
        bail!("the password {}", e.message);
    }
    if name.trim().is_empty() {
        bail!("--name must not be empty");
    }
    let hash = Hasher::new()?
        .hash(password.to_owned())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tx = db.pool.begin().await?;
    let id = users::insert_if_absent(
        &mut tx,
        &NewUser {
            email: email.to_owned(),
            name: name.trim().to_owned(),
            role: Role::Admin,
            account_id: None,
            portal_id: None,
            status: UserStatus::Active,
            password_hash: Some(hash),
        },
    )
    .await
    .context("Failed to store the administrator")?;
    let id = id.with_context(|| format!("a user with the email {email} already exists"))?;
    audit::record(
        &mut tx,
        audit::NewEntry {
            action: "user.create_admin".into(),
            object_type: Some("user".into()),
            object_id: Some(id.clone()),
            details: serde_json::json!({ "operator": "create-admin", "email": email }),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
