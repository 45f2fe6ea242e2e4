//! Domain types: validated values and rules, no I/O.

pub mod commissions;
pub mod permissions;
pub mod portal;
pub mod tiers;
