//! The route table. Every route is registered here through utoipa-actix-web, so the served
//! OpenAPI document is generated from the same registrations that route requests.

pub mod access_requests;
pub mod admin;
pub mod auth;
pub mod commissions;
pub mod deals;
pub mod documents;
pub mod fallback;
pub mod health;
pub mod invitations;
pub mod me;
pub mod meetings;
pub mod partners;
pub mod portals;
pub mod receipts;
pub mod requests;
pub mod threads;

use utoipa_actix_web::service_config::ServiceConfig;

/// Operational endpoints outside the versioned API.
pub fn ops(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics);
}

/// The `/api/v1` resources.
pub fn api_v1(cfg: &mut ServiceConfig) {
    cfg.service(portals::public_portal)
        .service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::logout_all)
        .service(me::me)
        .service(me::update_profile)
        .service(me::set_notifications)
        .service(me::complete_onboarding)
        .service(me::upload_photo)
        .service(me::get_photo)
        .service(access_requests::request_access)
        .service(access_requests::list_access_requests)
        .service(access_requests::approve_access_request)
        .service(access_requests::reject_access_request)
        .service(invitations::get_invitation)
        .service(invitations::accept_invitation)
        .service(invitations::invite_users)
        .service(invitations::import_invitations)
        .service(invitations::resend_invitation)
        .service(invitations::list_outbox)
        .service(deals::list_stages)
        .service(deals::create_stage)
        .service(deals::update_stage)
        .service(deals::delete_stage)
        .service(deals::pipeline_summary)
        .service(deals::list_deals)
        .service(deals::create_deal)
        .service(deals::get_deal)
        .service(deals::update_deal)
        .service(deals::get_deal_owner_photo)
        .service(deals::get_deal_timeline)
        .service(deals::add_deal_note)
        .service(deals::share_deal)
        .service(deals::unshare_deal)
        .service(deals::add_deal_contact)
        .service(deals::remove_deal_contact)
        .service(deals::add_deal_team_member)
        .service(deals::remove_deal_team_member)
        .service(deals::link_deal_partner)
        .service(deals::unlink_deal_partner)
        .service(deals::list_contacts)
        .service(deals::create_contact)
        .service(partners::check_registration)
        .service(partners::submit_registration)
        .service(partners::list_registrations)
        .service(partners::registration_queue)
        .service(partners::bulk_approve_registrations)
        .service(partners::get_registration)
        .service(partners::get_registration_receipt)
        .service(partners::review_registration)
        .service(partners::approve_registration)
        .service(partners::reject_registration)
        .service(partners::appeal_registration)
        .service(partners::get_programme_settings)
        .service(partners::set_programme_settings)
        .service(partners::submit_referral)
        .service(partners::list_referrals)
        .service(partners::get_referral)
        .service(partners::set_referral_status)
        .service(partners::list_tasks)
        .service(partners::list_notifications)
        .service(partners::read_notification)
        .service(partners::read_all_notifications)
        .service(partners::partner_dashboard)
        .service(receipts::list_receipt_keys)
        .service(receipts::verify_receipt)
        .service(commissions::commission_summary)
        .service(commissions::list_commissions)
        .service(commissions::list_commission_payouts)
        .service(commissions::get_commission_payout)
        .service(commissions::commission_rates)
        .service(commissions::commission_projection)
        .service(commissions::commission_statement_csv)
        .service(commissions::commission_statement_pdf)
        .service(commissions::get_commission)
        .service(commissions::tier_status)
        .service(threads::list_threads)
        .service(threads::list_posts)
        .service(threads::create_post)
        .service(threads::read_thread)
        .service(threads::list_strategy_notes)
        .service(threads::create_strategy_note)
        .service(threads::list_joint_tasks)
        .service(threads::create_joint_task)
        .service(threads::workspace)
        .service(requests::list_deal_requests)
        .service(requests::create_request)
        .service(requests::list_requests)
        .service(requests::get_request)
        .service(requests::update_request)
        .service(requests::get_request_slas)
        .service(requests::set_request_slas)
        .service(requests::update_task)
        .service(meetings::get_availability)
        .service(meetings::set_availability)
        .service(meetings::get_deal_slots)
        .service(meetings::list_deal_meetings)
        .service(meetings::book_meeting)
        .service(meetings::list_meetings)
        .service(meetings::get_meeting)
        .service(meetings::reschedule_meeting)
        .service(meetings::cancel_meeting)
        .service(documents::list_deal_documents)
        .service(documents::upload_document)
        .service(documents::list_documents)
        .service(documents::get_document)
        .service(documents::update_document)
        .service(documents::delete_document)
        .service(documents::upload_document_version)
        .service(documents::download_document)
        .service(documents::download_document_version)
        .service(documents::list_document_comments)
        .service(documents::add_document_comment)
        .service(documents::request_document_revision)
        .configure(admin::routes);
}
