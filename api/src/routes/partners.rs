//! The partner programme: deal registrations (with the live conflict check and signed
//! receipts), the approval queue, referrals, tasks and notifications. Each handler parses,
//! calls one use case, and shapes the answer.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use portcullis_shared::notifications::NotificationPage;
use portcullis_shared::partners::{
    AppealInput, BulkApproveInput, BulkApproveResult, ConflictQuery, ConflictVerdict,
    PartnerDashboard, ProgrammeSettings, Referral, ReferralInput, ReferralPage, ReferralStatus,
    ReferralStatusInput, Registration, RegistrationInput, RegistrationPage, RegistrationReview,
    RegistrationSubmitted, RejectInput, TaskPage, TaskView,
};
use serde::Deserialize;

use crate::app::registrations::RegistrationQuery;
use crate::app::{self, App};
use crate::auth::Principal;
use crate::error::ApiError;

type Problem = portcullis_shared::Problem;

/// Whether a prospect conflicts with anything, while the partner types: the verdict
/// submission would give. Never names another partner.
#[utoipa::path(tag = "partners", security(("bearer" = [])), params(ConflictQuery), responses(
    (status = 200, body = ConflictVerdict),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/registrations/check")]
pub async fn check_registration(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<ConflictQuery>,
) -> Result<web::Json<ConflictVerdict>, ApiError> {
    Ok(web::Json(
        app::registrations::check(&app, &p, q.into_inner()).await?,
    ))
}

/// Submits a deal registration ("Register deals"). Answers with the registration, the
/// conflict verdict and the signed receipt. With `Idempotency-Key`, a repeat of the same
/// request answers the first result (200); the same key with another body is 422.
#[utoipa::path(tag = "partners", security(("bearer" = [])), request_body = RegistrationInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: 1-255 characters")),
    responses(
    (status = 201, body = RegistrationSubmitted),
    (status = 200, body = RegistrationSubmitted, description = "A replay of an earlier request with the same Idempotency-Key"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/registrations")]
pub async fn submit_registration(
    p: Principal,
    app: web::Data<App>,
    req: HttpRequest,
    body: web::Json<RegistrationInput>,
) -> Result<HttpResponse, ApiError> {
    let key = req
        .headers()
        .get("Idempotency-Key")
        .map(|v| v.to_str().map(str::to_owned).unwrap_or_default());
    let done = app::registrations::submit(&app, &p, body.into_inner(), key.as_deref()).await?;
    Ok(if done.created {
        HttpResponse::Created().json(done.body)
    } else {
        HttpResponse::Ok().json(done.body)
    })
}

/// Registrations the caller may see, newest first: a partner's organisation's (or their
/// own), everyone's for the programme's people.
#[utoipa::path(tag = "partners", security(("bearer" = [])), params(RegistrationQuery), responses(
    (status = 200, body = RegistrationPage),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/registrations")]
pub async fn list_registrations(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<RegistrationQuery>,
) -> Result<web::Json<RegistrationPage>, ApiError> {
    Ok(web::Json(
        app::registrations::list(&app, &p, q.into_inner()).await?,
    ))
}

/// The approval queue: submitted registrations oldest first, filterable by partner, region,
/// age and conflict (administrators, managers, channel managers).
#[utoipa::path(tag = "partners", security(("bearer" = [])), params(RegistrationQuery), responses(
    (status = 200, body = RegistrationPage),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/registration-queue")]
pub async fn registration_queue(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<RegistrationQuery>,
) -> Result<web::Json<RegistrationPage>, ApiError> {
    Ok(web::Json(
        app::registrations::queue(&app, &p, q.into_inner()).await?,
    ))
}

/// One registration.
#[utoipa::path(tag = "partners", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Registration),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/registrations/{id}")]
pub async fn get_registration(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<Registration>, ApiError> {
    Ok(web::Json(app::registrations::get(&app, &p, &id).await?))
}

/// The registration's signed receipt, as a JSON file to keep.
#[utoipa::path(tag = "partners", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, description = "The receipt", content_type = "application/json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/registrations/{id}/receipt")]
pub async fn get_registration_receipt(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let receipt = app::registrations::receipt(&app, &p, &id).await?;
    let name: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"registration-receipt-{name}.json\""),
        ))
        .json(receipt))
}

/// A registration beside everything it matches, with reason and score (the programme's
/// people).
#[utoipa::path(tag = "partners", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = RegistrationReview),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/registrations/{id}/review")]
pub async fn review_registration(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<RegistrationReview>, ApiError> {
    Ok(web::Json(app::registrations::review(&app, &p, &id).await?))
}

/// Approves a submitted registration: protection starts and the deal exists.
#[utoipa::path(tag = "partners", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Registration),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
#[post("/registrations/{id}/approve")]
pub async fn approve_registration(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<Registration>, ApiError> {
    Ok(web::Json(app::registrations::approve(&app, &p, &id).await?))
}

/// Rejects a submitted registration with a reason.
#[utoipa::path(tag = "partners", security(("bearer" = [])), params(("id" = String, Path)), request_body = RejectInput, responses(
    (status = 200, body = Registration),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/registrations/{id}/reject")]
pub async fn reject_registration(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<RejectInput>,
) -> Result<web::Json<Registration>, ApiError> {
    Ok(web::Json(
        app::registrations::reject(&app, &p, &id, body.into_inner()).await?,
    ))
}

/// The partner's one appeal of a rejection, with a statement: back to review.
#[utoipa::path(tag = "partners", security(("bearer" = [])), params(("id" = String, Path)), request_body = AppealInput, responses(
    (status = 200, body = Registration),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/registrations/{id}/appeal")]
pub async fn appeal_registration(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<AppealInput>,
) -> Result<web::Json<Registration>, ApiError> {
    Ok(web::Json(
        app::registrations::appeal(&app, &p, &id, body.into_inner()).await?,
    ))
}

/// Approves several registrations; reports each that could not be.
#[utoipa::path(tag = "partners", security(("bearer" = [])), request_body = BulkApproveInput, responses(
    (status = 200, body = BulkApproveResult),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/registration-queue/approve")]
pub async fn bulk_approve_registrations(
    p: Principal,
    app: web::Data<App>,
    body: web::Json<BulkApproveInput>,
) -> Result<web::Json<BulkApproveResult>, ApiError> {
    Ok(web::Json(
        app::registrations::bulk_approve(&app, &p, body.into_inner()).await?,
    ))
}

/// A portal's partner-programme settings (the programme's people).
#[utoipa::path(tag = "partners", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = ProgrammeSettings),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/portals/{id}/programme")]
pub async fn get_programme_settings(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<ProgrammeSettings>, ApiError> {
    Ok(web::Json(
        app::registrations::settings(&app, &p, &id).await?,
    ))
}

/// Sets a portal's protection period and conversion model (administrators and managers).
#[utoipa::path(tag = "partners", security(("bearer" = [])), params(("id" = String, Path)), request_body = ProgrammeSettings, responses(
    (status = 200, body = ProgrammeSettings),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[put("/portals/{id}/programme")]
pub async fn set_programme_settings(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<ProgrammeSettings>,
) -> Result<web::Json<ProgrammeSettings>, ApiError> {
    Ok(web::Json(
        app::registrations::set_settings(&app, &p, &id, body.into_inner()).await?,
    ))
}

/// Refers a prospect ("Register deals"): checked for duplicates, assigned to an account
/// executive as a task.
#[utoipa::path(tag = "partners", security(("bearer" = [])), request_body = ReferralInput, responses(
    (status = 201, body = Referral),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/referrals")]
pub async fn submit_referral(
    p: Principal,
    app: web::Data<App>,
    body: web::Json<ReferralInput>,
) -> Result<HttpResponse, ApiError> {
    let r = app::referrals::submit(&app, &p, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(r))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReferralListQuery {
    pub status: Option<ReferralStatus>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Referrals the caller may see, with their outcomes.
#[utoipa::path(tag = "partners", security(("bearer" = [])), params(ReferralListQuery), responses(
    (status = 200, body = ReferralPage),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/referrals")]
pub async fn list_referrals(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<ReferralListQuery>,
) -> Result<web::Json<ReferralPage>, ApiError> {
    Ok(web::Json(
        app::referrals::list(&app, &p, q.status, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// One referral.
#[utoipa::path(tag = "partners", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Referral),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/referrals/{id}")]
pub async fn get_referral(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<Referral>, ApiError> {
    Ok(web::Json(app::referrals::get(&app, &p, &id).await?))
}

/// Moves a referral on (accepted, in the pipeline, won, lost); illegal moves are 409.
#[utoipa::path(tag = "partners", security(("bearer" = [])), params(("id" = String, Path)), request_body = ReferralStatusInput, responses(
    (status = 200, body = Referral),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
#[post("/referrals/{id}/status")]
pub async fn set_referral_status(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<ReferralStatusInput>,
) -> Result<web::Json<Referral>, ApiError> {
    Ok(web::Json(
        app::referrals::set_status(&app, &p, &id, body.into_inner()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TaskListQuery {
    /// `mine` (the default) or `overdue` (unfinished and past due).
    pub view: Option<TaskView>,
    /// Include finished tasks (`mine` only).
    pub all: Option<bool>,
    /// Only tasks from this source: `request`, `referral`, `registration`, `joint`, …
    pub source: Option<String>,
    /// Only tasks on this deal.
    pub deal: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// The caller's tasks (internal users), unfinished ones unless `all`, with each one's deal,
/// source, due time and whether it is overdue.
#[utoipa::path(tag = "partners", security(("bearer" = [])), params(TaskListQuery), responses(
    (status = 200, body = TaskPage),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/tasks")]
pub async fn list_tasks(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<TaskListQuery>,
) -> Result<web::Json<TaskPage>, ApiError> {
    Ok(web::Json(
        app::requests::my_tasks(
            &app,
            &p,
            app::requests::TaskQuery {
                view: q.view.unwrap_or(TaskView::Mine),
                all: q.all.unwrap_or(false),
                source: q.source.as_deref(),
                deal_id: q.deal.as_deref(),
                cursor: q.cursor.as_deref(),
                limit: q.limit,
            },
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct NotificationQuery {
    /// Only unread ones.
    pub unread: Option<bool>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// The signed-in user's notifications, newest first, with the unread count.
#[utoipa::path(tag = "auth", security(("bearer" = [])), params(NotificationQuery), responses(
    (status = 200, body = NotificationPage),
    (status = 401, body = Problem, content_type = "application/problem+json"),
))]
#[get("/me/notifications")]
pub async fn list_notifications(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<NotificationQuery>,
) -> Result<web::Json<NotificationPage>, ApiError> {
    Ok(web::Json(
        app::notifications::list(
            &app,
            &p,
            q.unread.unwrap_or(false),
            q.cursor.as_deref(),
            q.limit,
        )
        .await?,
    ))
}

/// Marks one of the user's notifications read.
#[utoipa::path(tag = "auth", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 204, description = "Marked read"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[post("/me/notifications/{id}/read")]
pub async fn read_notification(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    app::notifications::mark_read(&app, &p, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Marks every notification of the user read.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses(
    (status = 204, description = "Marked read"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
))]
#[post("/me/notifications/read")]
pub async fn read_all_notifications(
    p: Principal,
    app: web::Data<App>,
) -> Result<HttpResponse, ApiError> {
    app::notifications::mark_all_read(&app, &p).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DashboardQuery {
    /// Internal users: the partner account.
    pub account: Option<String>,
}

/// A partner organisation's programme at a glance: registrations by status and approval
/// rate, pipeline, wins, commissions, tier and notifications (partners: their own).
#[utoipa::path(tag = "partners", security(("bearer" = [])), params(DashboardQuery), responses(
    (status = 200, body = PartnerDashboard),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/partner/dashboard")]
pub async fn partner_dashboard(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<DashboardQuery>,
) -> Result<web::Json<PartnerDashboard>, ApiError> {
    Ok(web::Json(
        app::dashboard::partner(&app, &p, q.account.as_deref()).await?,
    ))
}
