//! The signed-in user: who they are, where, and what they may do.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use portcullis_shared::auth::{
    AccountSummary, MeUser, NotificationPrefs, OnboardingComplete, PortalSummary, ProfilePatch,
};
use portcullis_shared::{FieldError, Me};

use crate::audit::{self, AuditNote};

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
    Ok(web::Json(load_me(&principal, &db).await?))
}

/// Everything `/me` answers, for the caller of any `/me` endpoint.
async fn load_me(principal: &Principal, db: &Db) -> Result<Me, ApiError> {
    let user =
        users::find_by_id(db, &principal.user_id)
            .await?
            .ok_or(ApiError::Unauthenticated(
                "The session has ended; sign in again.",
            ))?;
    let account = match &user.account_id {
        Some(id) => accounts::find_by_id(db, id).await?,
        None => None,
    };
    let portal = match &principal.portal_id {
        Some(id) => portals::find_by_id(db, id).await?,
        None => None,
    };
    let permissions = match (&portal, &account, user.role.portal_kind()) {
        (Some(p), Some(a), Some(kind)) => {
            let found = overrides::for_user(db, &p.id, &a.id, &user.id).await?;
            permissions::effective(kind, &found)
        }
        _ => Vec::new(),
    };
    let onboarding = users::onboarding(db, &user.id).await?;
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
            Some(admin) => users::find_by_id(db, admin).await?.map(|a| a.email),
            None => None,
        },
    })
}

/// Profile fields: name 1-100 characters; title up to 100; phone up to 30 of digits, spaces
/// and `+-().`.
fn check_profile(p: &ProfilePatch) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if let Some(name) = &p.name {
        crate::domain::portal::check_name("name", name, &mut errors);
    }
    if p.title.as_deref().is_some_and(|t| t.chars().count() > 100) {
        errors.push(FieldError {
            field: "title".into(),
            code: "too_long".into(),
            message: "must be at most 100 characters".into(),
        });
    }
    if p.phone.as_deref().is_some_and(|ph| {
        ph.chars().count() > 30
            || !ph
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    }) {
        errors.push(FieldError {
            field: "phone".into(),
            code: "invalid_format".into(),
            message: "must be up to 30 digits, spaces and + - ( ) .".into(),
        });
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Updates the caller's name, title and phone; absent fields stay, empty title/phone clear.
#[utoipa::path(tag = "auth", security(("bearer" = [])), request_body = ProfilePatch, responses(
    (status = 200, body = Me),
    (status = 422, body = portcullis_shared::Problem, content_type = "application/problem+json"),
))]
#[patch("/me/profile")]
pub async fn update_profile(
    principal: Principal,
    db: web::Data<Db>,
    body: web::Json<ProfilePatch>,
) -> Result<web::Json<Me>, ApiError> {
    let patch = body.into_inner();
    check_profile(&patch)?;
    let user = users::find_by_id(&db, &principal.user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let blank_to_none = |v: Option<String>, old: Option<String>| match v {
        None => old,
        Some(s) if s.trim().is_empty() => None,
        Some(s) => Some(s.trim().to_owned()),
    };
    users::set_profile(
        &db,
        &user.id,
        patch.name.as_deref().map_or(user.name.as_str(), str::trim),
        blank_to_none(patch.title, user.title.clone()).as_deref(),
        blank_to_none(patch.phone, user.phone.clone()).as_deref(),
    )
    .await?;
    Ok(web::Json(load_me(&principal, &db).await?))
}

/// Sets which updates send the caller an email.
#[utoipa::path(tag = "auth", security(("bearer" = [])), request_body = NotificationPrefs, responses((status = 200, body = Me)))]
#[put("/me/notifications")]
pub async fn set_notifications(
    principal: Principal,
    db: web::Data<Db>,
    body: web::Json<NotificationPrefs>,
) -> Result<web::Json<Me>, ApiError> {
    let json =
        serde_json::to_string(&body.into_inner()).map_err(|e| ApiError::Internal(e.into()))?;
    users::set_notification_prefs(&db, &principal.user_id, &json).await?;
    Ok(web::Json(load_me(&principal, &db).await?))
}

/// Finishes onboarding (the tour completed or skipped).
#[utoipa::path(tag = "auth", security(("bearer" = [])), request_body = OnboardingComplete, responses((status = 200, body = Me)))]
#[post("/me/onboarding")]
pub async fn complete_onboarding(
    req: HttpRequest,
    principal: Principal,
    db: web::Data<Db>,
    body: web::Json<OnboardingComplete>,
) -> Result<web::Json<Me>, ApiError> {
    users::complete_onboarding(&db, &principal.user_id).await?;
    audit::note(
        &req,
        AuditNote {
            action: Some("user.onboarding_complete".into()),
            object_type: Some("user".into()),
            object_id: Some(principal.user_id.clone()),
            details: Some(serde_json::json!({ "tour_skipped": body.tour_skipped })),
            ..AuditNote::default()
        },
    );
    Ok(web::Json(load_me(&principal, &db).await?))
}

/// The largest profile photo accepted.
pub const MAX_PHOTO_BYTES: usize = 2 * 1024 * 1024;

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

/// Uploads the caller's profile photo: PNG, JPEG or WebP (checked by content), up to 2 MB.
#[utoipa::path(tag = "auth", security(("bearer" = [])), request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The image bytes"), responses(
    (status = 204, description = "Stored"),
    (status = 413, body = portcullis_shared::Problem, content_type = "application/problem+json"),
    (status = 422, body = portcullis_shared::Problem, content_type = "application/problem+json"),
))]
#[put("/me/photo")]
pub async fn upload_photo(
    principal: Principal,
    db: web::Data<Db>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    if body.len() > MAX_PHOTO_BYTES {
        return Err(ApiError::PayloadTooLarge("The photo exceeds 2 MB.".into()));
    }
    let Some(content_type) = sniff_image(&body) else {
        return Err(ApiError::field(
            "photo",
            "unsupported_type",
            "must be a PNG, JPEG or WebP image",
        ));
    };
    users::set_photo(&db, &principal.user_id, content_type, &body).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's profile photo.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses(
    (status = 200, description = "The image", content_type = "image/*"),
    (status = 404, body = portcullis_shared::Problem, content_type = "application/problem+json"),
))]
#[get("/me/photo")]
pub async fn photo(principal: Principal, db: web::Data<Db>) -> Result<HttpResponse, ApiError> {
    let (content_type, data) = users::photo(&db, &principal.user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("cache-control", "private, no-cache"))
        .body(data))
}
