//! One module per screen.

pub mod admin;
pub mod collab;
pub mod deals;
pub mod home;
pub mod invite;
pub mod not_found;
pub mod onboarding;
pub mod partners;
pub mod portal;
pub mod programme;
pub mod signin;
