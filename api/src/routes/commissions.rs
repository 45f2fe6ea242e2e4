//! A partner's commissions, payouts, rates, projection and statements, and its tier status.
//! Partners read their own organisation's; internal users name the account. Each handler
//! calls one use case of `app::commissions` or `app::tiers`.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use portcullis_shared::commissions::{
    Commission, CommissionPage, CommissionStatus, CommissionSummary, Payout, PayoutList,
    Projection, RateTable,
};
use portcullis_shared::tiers::TierStatus;
use serde::Deserialize;

use crate::app::{self, App};
use crate::auth::Principal;
use crate::error::ApiError;

type Problem = portcullis_shared::Problem;

/// Which partner account: partners may omit it (their own); internal users name it.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AccountQuery {
    /// A partner account id (internal users; partners only their own).
    pub account: Option<String>,
}

/// Filters and page of a commission list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CommissionListQuery {
    /// A partner account id (internal users; partners only their own).
    pub account: Option<String>,
    /// Only commissions in this status.
    pub status: Option<CommissionStatus>,
    /// Page size, 1-200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A statement's period and account.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StatementQuery {
    /// A partner account id (internal users; partners only their own).
    pub account: Option<String>,
    /// First day, YYYY-MM-DD.
    pub from: String,
    /// Last day, YYYY-MM-DD (inclusive).
    pub to: String,
}

/// Commission totals by status and currency: pending, earned, paid, clawed back, and the
/// balance owed (earned minus paid commissions clawed back).
#[utoipa::path(tag = "commissions", security(("bearer" = [])), params(AccountQuery), responses(
    (status = 200, body = CommissionSummary),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/commissions/summary")]
pub async fn commission_summary(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<AccountQuery>,
) -> Result<web::Json<CommissionSummary>, ApiError> {
    Ok(web::Json(
        app::commissions::summary(&app, &p, q.account.as_deref()).await?,
    ))
}

/// Commissions, newest first, with their deals.
#[utoipa::path(tag = "commissions", security(("bearer" = [])), params(CommissionListQuery), responses(
    (status = 200, body = CommissionPage),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/commissions")]
pub async fn list_commissions(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<CommissionListQuery>,
) -> Result<web::Json<CommissionPage>, ApiError> {
    let q = q.into_inner();
    Ok(web::Json(
        app::commissions::list(
            &app,
            &p,
            app::commissions::CommissionQuery {
                account: q.account,
                status: q.status,
                cursor: q.cursor,
                limit: q.limit,
            },
        )
        .await?,
    ))
}

/// Payments received, newest first, with the deals each paid.
#[utoipa::path(tag = "commissions", security(("bearer" = [])), params(AccountQuery), responses(
    (status = 200, body = PayoutList),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/commissions/payouts")]
pub async fn list_commission_payouts(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<AccountQuery>,
) -> Result<web::Json<PayoutList>, ApiError> {
    Ok(web::Json(
        app::commissions::payouts(&app, &p, q.account.as_deref()).await?,
    ))
}

/// One payment.
#[utoipa::path(tag = "commissions", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Payout),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/commissions/payouts/{id}")]
pub async fn get_commission_payout(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<Payout>, ApiError> {
    Ok(web::Json(app::commissions::payout(&app, &p, &id).await?))
}

/// The commission rate of each deal type (partner role) that applies to the account.
#[utoipa::path(tag = "commissions", security(("bearer" = [])), params(AccountQuery), responses(
    (status = 200, body = RateTable),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/commissions/rates")]
pub async fn commission_rates(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<AccountQuery>,
) -> Result<web::Json<RateTable>, ApiError> {
    Ok(web::Json(
        app::commissions::rates(&app, &p, q.account.as_deref()).await?,
    ))
}

/// Projected earnings: open pipeline × stage probability × rate, per deal and currency.
#[utoipa::path(tag = "commissions", security(("bearer" = [])), params(AccountQuery), responses(
    (status = 200, body = Projection),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/commissions/projection")]
pub async fn commission_projection(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<AccountQuery>,
) -> Result<web::Json<Projection>, ApiError> {
    Ok(web::Json(
        app::commissions::projection(&app, &p, q.account.as_deref()).await?,
    ))
}

/// A commission statement for a period as CSV (partners need "Export reports").
#[utoipa::path(tag = "commissions", security(("bearer" = [])), params(StatementQuery), responses(
    (status = 200, description = "CSV", body = String, content_type = "text/csv"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/commissions/statement.csv")]
pub async fn commission_statement_csv(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<StatementQuery>,
) -> Result<HttpResponse, ApiError> {
    let body =
        app::commissions::statement_csv(&app, &p, q.account.as_deref(), &q.from, &q.to).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"commission-statement.csv\"",
        ))
        .body(body))
}

/// A commission statement for a period as PDF (partners need "Export reports").
#[utoipa::path(tag = "commissions", security(("bearer" = [])), params(StatementQuery), responses(
    (status = 200, description = "The PDF", content((crate::openapi::Binary = "application/pdf"))),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/commissions/statement.pdf")]
pub async fn commission_statement_pdf(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<StatementQuery>,
) -> Result<HttpResponse, ApiError> {
    let body =
        app::commissions::statement_pdf(&app, &p, q.account.as_deref(), &q.from, &q.to).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"commission-statement.pdf\"",
        ))
        .body(body))
}

/// One commission.
#[utoipa::path(tag = "commissions", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Commission),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/commissions/{id}")]
pub async fn get_commission(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<Commission>, ApiError> {
    Ok(web::Json(app::commissions::get(&app, &p, &id).await?))
}

/// The partner's tier, whether set by hand, its trailing-12-month results and its progress
/// to the next tier (partners need "View partner tier status").
#[utoipa::path(tag = "commissions", security(("bearer" = [])), params(AccountQuery), responses(
    (status = 200, body = TierStatus),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/tier/status")]
pub async fn tier_status(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<AccountQuery>,
) -> Result<web::Json<TierStatus>, ApiError> {
    Ok(web::Json(
        app::tiers::status(&app, &p, q.account.as_deref()).await?,
    ))
}
