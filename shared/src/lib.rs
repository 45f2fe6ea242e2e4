//! Types shared by the Portcullis API and SPA: DTOs, roles, permissions, error codes and
//! validation rules. Compiles to wasm32; server-only derives sit behind the `server` feature.

#[macro_use]
pub mod admin;
pub mod auth;
pub mod collab;
pub mod commissions;
pub mod deals;
pub mod documents;
pub mod error;
pub mod ids;
pub mod meetings;
pub mod money;
pub mod notifications;
pub mod partners;
pub mod permission;
pub mod portal;
pub mod receipts;
pub mod requests;
pub mod role;
pub mod threads;
pub mod tiers;
pub mod validate;

pub use auth::{LoginRequest, Me, TokenResponse};
pub use error::{ErrorCode, FieldCode, FieldError, Problem};
pub use ids::{AccountId, PortalId, SessionId, UserId};
pub use money::{Currency, Money};
pub use permission::{Permission, PortalKind};
pub use portal::{Branding, PortalPublic};
pub use role::Role;
