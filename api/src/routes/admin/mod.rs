//! The admin API under `/api/v1/admin`: internal users configure portals, accounts, users,
//! permissions, and read the audit log. Each handler's guard type states who may call it.

pub mod accounts;
pub mod audit;
pub mod jobs;
pub mod permissions;
pub mod portals;
pub mod programme;
pub mod users;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the admin routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(portals::list_portals)
        .service(portals::create_portal)
        .service(portals::get_portal)
        .service(portals::update_portal)
        .service(accounts::list_accounts)
        .service(accounts::create_account)
        .service(accounts::get_account)
        .service(accounts::update_account)
        .service(users::list_users)
        .service(users::bulk_deactivate_users)
        .service(users::get_user)
        .service(users::deactivate_user)
        .service(users::reactivate_user)
        .service(users::transfer_user)
        .service(users::set_access_expiry)
        .service(users::set_user_regions)
        .service(users::set_user_manager)
        .service(users::list_user_sessions)
        .service(users::end_user_session)
        .service(users::view_as_user)
        .service(permissions::get_permission_matrix)
        .service(permissions::set_permission_override)
        .service(audit::list_audit_entries)
        .service(audit::export_audit_csv)
        .service(audit::verify_audit_chain)
        .service(jobs::list_jobs)
        .service(jobs::retry_job)
        .service(programme::list_commission_plans)
        .service(programme::create_commission_plan)
        .service(programme::update_commission_plan)
        .service(programme::set_commission_plan_rates)
        .service(programme::set_account_commission_plan)
        .service(programme::set_commission_override)
        .service(programme::clear_commission_override)
        .service(programme::list_all_commissions)
        .service(programme::list_all_commission_payouts)
        .service(programme::record_commission_payout)
        .service(programme::list_tiers)
        .service(programme::create_tier)
        .service(programme::recompute_tiers)
        .service(programme::update_tier)
        .service(programme::delete_tier)
        .service(programme::set_tier_override)
        .service(programme::clear_tier_override);
}
