//! Domain types: validated values and rules, no I/O.

pub mod commissions;
pub mod documents;
pub mod matching;
pub mod meetings;
pub mod permissions;
pub mod portal;
pub mod receipts;
pub mod threads;
pub mod tiers;
