//! Authentication: passwords, tokens, sessions, and the `Principal` every request carries.

pub mod guards;
pub mod password;
pub mod principal;
pub mod throttle;
pub mod tokens;

pub use principal::{OwnSession, Principal};
