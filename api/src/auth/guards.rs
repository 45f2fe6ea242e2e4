//! Role requirements as extractor types: a handler that takes `AdminUser` cannot be reached
//! by anyone else, and says so in its signature. Authenticated but not allowed → 403.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest};
use portcullis_shared::Role;

use crate::auth::Principal;
use crate::error::ApiError;

macro_rules! role_guard {
    ($(#[$doc:meta])* $name:ident: $($role:path)|+) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Principal);

        impl $name {
            /// Whether a role satisfies this requirement.
            pub fn admits(role: Role) -> bool {
                matches!(role, $($role)|+)
            }
        }

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Pin<Box<dyn Future<Output = Result<$name, ApiError>>>>;

            fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
                let principal = Principal::from_request(req, payload);
                Box::pin(async move {
                    let p = principal.await?;
                    if $name::admits(p.role) { Ok($name(p)) } else { Err(ApiError::Forbidden) }
                })
            }
        }
    };
}

role_guard!(
    /// An administrator: users, permissions, security and the audit log.
    AdminUser: Role::Admin
);
role_guard!(
    /// An administrator or manager: may set up portals and accounts.
    PortalManager: Role::Admin | Role::Manager
);
role_guard!(
    /// Any internal user: may read the programme's configuration.
    Staff: Role::Admin | Role::Manager | Role::ChannelManager | Role::SalesRep
);
role_guard!(
    /// An administrator, or a partner administrator for their own organisation's users.
    UserManager: Role::Admin | Role::PartnerAdmin
);
