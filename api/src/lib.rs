//! Portcullis: the self-hostable customer & partner portal for a CRM. This library holds the
//! whole server; the `portcullis` binary is a thin command line around it.

pub mod admin;
pub mod app;
pub mod audit;
pub mod auth;
pub mod bench_seed;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod email;
pub mod error;
pub mod http;
pub mod jobs;
pub mod metrics;
pub mod openapi;
pub mod pdf;
pub mod routes;
pub mod security;
pub mod seed;
pub mod spa;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod time;
