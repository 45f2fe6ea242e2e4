//! Black-box tests of the HTTP API, each on SQLite and on PostgreSQL.

mod access;
mod admin;
mod architecture;
mod atomicity;
mod audit;
mod auth;
mod authz_matrix;
mod bench_seed;
mod commissions;
mod contract;
mod deals;
mod documents;
mod foundation;
mod invitations;
mod jobs;
mod meetings;
mod nodes;
mod partner_admin;
mod portals;
mod receipts;
mod registrations;
mod requests;
mod threads;
mod throttle;
mod tiers;
