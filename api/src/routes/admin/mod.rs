//! The admin API under `/api/v1/admin`: internal users configure portals, accounts, users,
//! permissions, and read the audit log. Each handler's guard type states who may call it.

pub mod accounts;
pub mod audit;
pub mod permissions;
pub mod portals;
pub mod users;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the admin routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(portals::list)
        .service(portals::create)
        .service(portals::get)
        .service(portals::update)
        .service(accounts::list)
        .service(accounts::create)
        .service(accounts::get)
        .service(accounts::update)
        .service(users::list)
        .service(users::bulk_deactivate)
        .service(users::get)
        .service(users::deactivate)
        .service(users::reactivate)
        .service(users::transfer)
        .service(users::set_access_expiry)
        .service(users::list_sessions)
        .service(users::end_session)
        .service(users::view_as)
        .service(permissions::matrix)
        .service(permissions::set_override)
        .service(audit::list)
        .service(audit::export_csv)
        .service(audit::verify);
}

/// Page size bounds of every list.
pub fn page_limit(limit: Option<i64>) -> i64 {
    limit.unwrap_or(50).clamp(1, 200)
}
