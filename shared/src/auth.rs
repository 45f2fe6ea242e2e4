//! Sign-in and session DTOs.

use serde::{Deserialize, Serialize};

use crate::permission::{Permission, PortalKind};
use crate::role::Role;

/// Credentials for password sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// The user's email address (case-insensitive).
    #[cfg_attr(feature = "server", schema(example = "admin@acme.example"))]
    pub email: String,
    /// The user's password.
    #[cfg_attr(feature = "server", schema(example = "correct horse battery staple"))]
    pub password: String,
    /// The slug of the portal signed in to; required for customer and partner users.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(example = "acme"))]
    pub portal: Option<String>,
}

/// A fresh access token. The refresh token travels only in an HttpOnly cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// A JWT for the `Authorization: Bearer` header.
    pub access_token: String,
    /// Always `Bearer`.
    #[cfg_attr(feature = "server", schema(example = "Bearer"))]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[cfg_attr(feature = "server", schema(example = 900))]
    pub expires_in: u64,
    /// When the access token expires (RFC 3339, UTC).
    pub expires_at: String,
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MeUser {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub title: Option<String>,
    pub phone: Option<String>,
}

/// The account an external user belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountSummary {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: PortalKind,
}

/// The portal a session was opened in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PortalSummary {
    pub slug: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: PortalKind,
}

/// Who the caller is and what they may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Me {
    pub user: MeUser,
    pub account: Option<AccountSummary>,
    pub portal: Option<PortalSummary>,
    /// Effective portal permissions (user override, else account override, else portal
    /// default); empty for internal users, whose rights follow from their role.
    pub permissions: Vec<Permission>,
    /// Whether the user has finished (or skipped) onboarding.
    pub onboarding_complete: bool,
    /// Which updates send the user an email.
    pub notifications: NotificationPrefs,
    /// Whether a profile photo is set (`GET /api/v1/me/photo`).
    pub has_photo: bool,
    /// The administrator viewing as this user, read-only; absent in the user's own sessions.
    pub viewed_by: Option<String>,
}

/// What the invitation page shows before the invitee sets a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InvitationInfo {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The portal the invitee will sign in to; absent for internal staff.
    pub portal: Option<crate::portal::PortalPublic>,
    pub expires_at: String,
}

/// Accepting an invitation: the new password and the name to be known by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AcceptInvitation {
    pub password: String,
    pub name: String,
}

/// Profile details a user edits during onboarding and later.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ProfilePatch {
    pub name: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
}

/// Which updates send an email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct NotificationPrefs {
    pub deal_updates: bool,
    pub new_messages: bool,
    pub shared_documents: bool,
    pub request_updates: bool,
    pub weekly_digest: bool,
}

impl Default for NotificationPrefs {
    fn default() -> Self {
        NotificationPrefs {
            deal_updates: true,
            new_messages: true,
            shared_documents: true,
            request_updates: true,
            weekly_digest: false,
        }
    }
}

/// Finishes onboarding, with the tour either completed or skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OnboardingComplete {
    pub tour_skipped: bool,
}

/// Asking for access to a portal that allows self-registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccessRequestInput {
    pub email: String,
    pub name: String,
    pub company: String,
    #[serde(default)]
    pub message: Option<String>,
}
