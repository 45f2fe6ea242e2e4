//! The signed-in user: who they are, their profile, preferences and onboarding.

use gloo_net::http::Method;
use portcullis_shared::Me;
use portcullis_shared::auth::{NotificationPrefs, OnboardingComplete, ProfilePatch};

use super::{ApiError, signed};

/// Who the caller is and what they may do.
pub fn get() -> impl Future<Output = Result<Me, ApiError>> + use<> {
    signed(Method::GET, "/me").fetch()
}

/// Updates the caller's profile.
pub fn update_profile(body: &ProfilePatch) -> impl Future<Output = Result<Me, ApiError>> + use<> {
    signed(Method::PATCH, "/me/profile").json(body).fetch()
}

/// Sets which updates send an email.
pub fn set_notifications(
    body: &NotificationPrefs,
) -> impl Future<Output = Result<Me, ApiError>> + use<> {
    signed(Method::PUT, "/me/notifications").json(body).fetch()
}

/// Uploads a profile photo (the server checks its type by content).
pub fn upload_photo(file: web_sys::File) -> impl Future<Output = Result<(), ApiError>> + use<> {
    signed(Method::PUT, "/me/photo")
        .file(file, "application/octet-stream")
        .done()
}

/// Finishes onboarding, with the tour completed or skipped.
pub fn complete_onboarding(
    tour_skipped: bool,
) -> impl Future<Output = Result<Me, ApiError>> + use<> {
    signed(Method::POST, "/me/onboarding")
        .json(&OnboardingComplete { tour_skipped })
        .fetch()
}
