//! The signed-in user: who they are, where, and what they may do.

use actix_web::{HttpResponse, get, patch, post, put, web};
use portcullis_shared::Me;
use portcullis_shared::auth::{NotificationPrefs, OnboardingComplete, ProfilePatch};

use crate::app::{self, App};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::http::read_limited;

/// The signed-in user, their role, account, portal and effective permissions.
#[utoipa::path(
    tag = "auth",
    operation_id = "get_current_user",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, description = "Not signed in, or the session has ended", body = portcullis_shared::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
pub async fn me(principal: Principal, app: web::Data<App>) -> Result<web::Json<Me>, ApiError> {
    Ok(web::Json(app::me::me(&app, &principal).await?))
}

/// Updates the caller's name, title and phone; absent fields stay, empty title/phone clear.
#[utoipa::path(tag = "auth", security(("bearer" = [])), request_body = ProfilePatch, responses(
    (status = 200, body = Me),
    (status = 422, body = portcullis_shared::Problem, content_type = "application/problem+json"),
))]
#[patch("/me/profile")]
pub async fn update_profile(
    principal: Principal,
    app: web::Data<App>,
    body: web::Json<ProfilePatch>,
) -> Result<web::Json<Me>, ApiError> {
    Ok(web::Json(
        app::me::update_profile(&app, &principal, body.into_inner()).await?,
    ))
}

/// Sets which updates send the caller an email.
#[utoipa::path(tag = "auth", operation_id = "set_notification_preferences", security(("bearer" = [])), request_body = NotificationPrefs, responses((status = 200, body = Me)))]
#[put("/me/notifications")]
pub async fn set_notifications(
    principal: Principal,
    app: web::Data<App>,
    body: web::Json<NotificationPrefs>,
) -> Result<web::Json<Me>, ApiError> {
    Ok(web::Json(
        app::me::set_notifications(&app, &principal, body.into_inner()).await?,
    ))
}

/// Finishes onboarding (the tour completed or skipped).
#[utoipa::path(tag = "auth", security(("bearer" = [])), request_body = OnboardingComplete, responses((status = 200, body = Me)))]
#[post("/me/onboarding")]
pub async fn complete_onboarding(
    principal: Principal,
    app: web::Data<App>,
    body: web::Json<OnboardingComplete>,
) -> Result<web::Json<Me>, ApiError> {
    Ok(web::Json(
        app::me::complete_onboarding(&app, &principal, body.into_inner()).await?,
    ))
}

/// Uploads the caller's profile photo: PNG, JPEG or WebP (checked by content), up to 2 MB.
#[utoipa::path(tag = "auth", operation_id = "upload_profile_photo", security(("bearer" = [])), request_body(content = crate::openapi::Binary, content_type = "application/octet-stream", description = "The image bytes"), responses(
    (status = 204, description = "Stored"),
    (status = 413, body = portcullis_shared::Problem, content_type = "application/problem+json"),
    (status = 422, body = portcullis_shared::Problem, content_type = "application/problem+json"),
))]
#[put("/me/photo")]
pub async fn upload_photo(
    principal: Principal,
    app: web::Data<App>,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_limited(body, app::me::MAX_PHOTO_BYTES, "photo").await?;
    app::me::upload_photo(&app, &principal, &body).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's profile photo.
#[utoipa::path(tag = "auth", operation_id = "get_profile_photo", security(("bearer" = [])), responses(
    (status = 200, description = "The image, in the format it was uploaded in", content(
        (crate::openapi::Binary = "image/png"),
        (crate::openapi::Binary = "image/jpeg"),
        (crate::openapi::Binary = "image/webp"),
    )),
    (status = 404, body = portcullis_shared::Problem, content_type = "application/problem+json"),
))]
#[get("/me/photo")]
pub async fn get_photo(
    principal: Principal,
    app: web::Data<App>,
) -> Result<HttpResponse, ApiError> {
    let (content_type, data) = app::me::photo(&app, &principal).await?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("cache-control", "private, no-cache"))
        .body(data))
}
