//! The signed-in user: who they are, where, what they may do; their profile, notification
//! preferences, onboarding and photo.

use portcullis_shared::auth::{
    AccountSummary, MeUser, NotificationPrefs, OnboardingComplete, PortalSummary, ProfilePatch,
};
use portcullis_shared::{FieldCode, Me};
use sqlx::AnyConnection;

use crate::app::{Actor, App, Audit};
use crate::auth::Principal;
use crate::domain::permissions;
use crate::error::ApiError;
use crate::storage::{accounts, permissions as overrides, portals, users};

/// The largest profile photo accepted.
pub const MAX_PHOTO_BYTES: usize = 2 * 1024 * 1024;

/// The signed-in user, their role, account, portal and effective permissions.
pub async fn me(app: &App, p: &Principal) -> Result<Me, ApiError> {
    let mut conn = app.read().await?;
    load_me(&mut conn, p).await
}

/// Everything `/me` answers, for the caller of any `/me` endpoint.
pub async fn load_me(conn: &mut AnyConnection, principal: &Principal) -> Result<Me, ApiError> {
    let user =
        users::find_by_id(conn, &principal.user_id)
            .await?
            .ok_or(ApiError::Unauthenticated(
                "The session has ended; sign in again.",
            ))?;
    let account = match &user.account_id {
        Some(id) => accounts::find_by_id(conn, id).await?,
        None => None,
    };
    let portal = match &principal.portal_id {
        Some(id) => portals::find_by_id(conn, id).await?,
        None => None,
    };
    let permissions = match (&portal, &account, user.role.portal_kind()) {
        (Some(p), Some(a), Some(kind)) => {
            let found = overrides::for_user(conn, &p.id, &a.id, &user.id).await?;
            permissions::effective(kind, &found)
        }
        _ => Vec::new(),
    };
    let onboarding = users::onboarding(conn, &user.id).await?;
    let notifications = onboarding
        .notification_prefs
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    Ok(Me {
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
        onboarding_complete: onboarding.onboarded,
        notifications,
        has_photo: onboarding.has_photo,
        viewed_by: match &principal.viewed_by {
            Some(admin) => users::find_by_id(conn, admin).await?.map(|a| a.email),
            None => None,
        },
    })
}

/// Profile fields, by the rules the web app checks as the user types.
pub fn check_profile(p: &ProfilePatch) -> Result<(), ApiError> {
    let errors = portcullis_shared::validate::check_profile(p);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Updates the caller's name, title and phone; absent fields stay, empty title/phone clear.
pub async fn update_profile(app: &App, p: &Principal, patch: ProfilePatch) -> Result<Me, ApiError> {
    check_profile(&patch)?;
    let mut tx = app.begin().await?;
    let user = users::find_by_id(&mut tx, &p.user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let blank_to_none = |v: Option<String>, old: Option<String>| match v {
        None => old,
        Some(s) if s.trim().is_empty() => None,
        Some(s) => Some(s.trim().to_owned()),
    };
    users::set_profile(
        &mut tx,
        &user.id,
        patch.name.as_deref().map_or(user.name.as_str(), str::trim),
        blank_to_none(patch.title, user.title.clone()).as_deref(),
        blank_to_none(patch.phone, user.phone.clone()).as_deref(),
    )
    .await?;
    tx.audit(Audit::new(Actor::User(p), "user.profile_update").object("user", p.user_id.clone()))
        .await?;
    let me = load_me(&mut tx, p).await?;
    tx.commit().await?;
    Ok(me)
}

/// Sets which updates send the caller an email.
pub async fn set_notifications(
    app: &App,
    p: &Principal,
    prefs: NotificationPrefs,
) -> Result<Me, ApiError> {
    let json = serde_json::to_string(&prefs).map_err(|e| ApiError::Internal(e.into()))?;
    let mut tx = app.begin().await?;
    users::set_notification_prefs(&mut tx, &p.user_id, &json).await?;
    tx.audit(
        Audit::new(Actor::User(p), "user.notifications_update").object("user", p.user_id.clone()),
    )
    .await?;
    let me = load_me(&mut tx, p).await?;
    tx.commit().await?;
    Ok(me)
}

/// Finishes onboarding (the tour completed or skipped).
pub async fn complete_onboarding(
    app: &App,
    p: &Principal,
    input: OnboardingComplete,
) -> Result<Me, ApiError> {
    let mut tx = app.begin().await?;
    users::complete_onboarding(&mut tx, &p.user_id).await?;
    tx.audit(
        Audit::new(Actor::User(p), "user.onboarding_complete")
            .object("user", p.user_id.clone())
            .details(serde_json::json!({ "tour_skipped": input.tour_skipped })),
    )
    .await?;
    let me = load_me(&mut tx, p).await?;
    tx.commit().await?;
    Ok(me)
}

/// The image type of `data`, judged by its content (not by what the client claims).
pub fn sniff_image(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Stores the caller's profile photo: PNG, JPEG or WebP (checked by content), up to 2 MB.
pub async fn upload_photo(app: &App, p: &Principal, data: &[u8]) -> Result<(), ApiError> {
    if data.len() > MAX_PHOTO_BYTES {
        return Err(ApiError::PayloadTooLarge("The photo exceeds 2 MB.".into()));
    }
    let Some(content_type) = sniff_image(data) else {
        return Err(ApiError::field(
            "photo",
            FieldCode::UnsupportedType,
            "must be a PNG, JPEG or WebP image",
        ));
    };
    let mut tx = app.begin().await?;
    users::set_photo(&mut tx, &p.user_id, content_type, data).await?;
    tx.audit(
        Audit::new(Actor::User(p), "user.photo_upload")
            .object("user", p.user_id.clone())
            .details(serde_json::json!({ "bytes": data.len(), "type": content_type })),
    )
    .await?;
    tx.commit().await
}

/// The caller's profile photo and its content type.
pub async fn photo(app: &App, p: &Principal) -> Result<(String, Vec<u8>), ApiError> {
    let mut conn = app.read().await?;
    users::photo(&mut conn, &p.user_id)
        .await?
        .ok_or(ApiError::NotFound)
}
