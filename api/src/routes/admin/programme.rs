//! Running the partner programme: commission plans and rates, account overrides and plans,
//! every partner's commissions and payouts, and tiers with their overrides and recompute.
//! Each handler calls one use case of `app::commissions` or `app::tiers`, which checks the
//! caller runs the programme (payouts: administrators only).

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use portcullis_shared::commissions::{
    AccountPlanInput, CommissionPage, CommissionPlan, CommissionPlanInput, CommissionPlanList,
    CommissionPlanPatch, CommissionStatus, Payout, PayoutInput, PayoutList, PlanRatesInput,
    RateOverrideInput, RateTable,
};
use portcullis_shared::deals::PartnerRole;
use portcullis_shared::tiers::{
    Tier, TierInput, TierList, TierOverrideInput, TierPatch, TierRecompute, TierStatus,
};
use serde::Deserialize;

use crate::app::{self, App};
use crate::auth::Principal;
use crate::error::ApiError;

type Problem = portcullis_shared::Problem;

/// Every commission plan with its rates.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
    (status = 200, body = CommissionPlanList),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/commission-plans")]
pub async fn list_commission_plans(
    p: Principal,
    app: web::Data<App>,
) -> Result<web::Json<CommissionPlanList>, ApiError> {
    Ok(web::Json(app::commissions::plans(&app, &p).await?))
}

/// Creates a commission plan; made the default, it takes that from the current one.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = CommissionPlanInput, responses(
    (status = 201, body = CommissionPlan),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/commission-plans")]
pub async fn create_commission_plan(
    p: Principal,
    app: web::Data<App>,
    body: web::Json<CommissionPlanInput>,
) -> Result<HttpResponse, ApiError> {
    let plan = app::commissions::create_plan(&app, &p, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(plan))
}

/// Renames a commission plan or makes it the default.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = CommissionPlanPatch, responses(
    (status = 200, body = CommissionPlan),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[patch("/admin/commission-plans/{id}")]
pub async fn update_commission_plan(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<CommissionPlanPatch>,
) -> Result<web::Json<CommissionPlan>, ApiError> {
    Ok(web::Json(
        app::commissions::update_plan(&app, &p, &id, body.into_inner()).await?,
    ))
}

/// Replaces every rate of a commission plan; pending commissions follow at once.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = PlanRatesInput, responses(
    (status = 200, body = CommissionPlan),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[put("/admin/commission-plans/{id}/rates")]
pub async fn set_commission_plan_rates(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<PlanRatesInput>,
) -> Result<web::Json<CommissionPlan>, ApiError> {
    Ok(web::Json(
        app::commissions::set_plan_rates(&app, &p, &id, body.into_inner()).await?,
    ))
}

/// Puts a partner account on a commission plan (null: the default plan).
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = AccountPlanInput, responses(
    (status = 200, body = RateTable),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[put("/admin/accounts/{id}/commission-plan")]
pub async fn set_account_commission_plan(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<AccountPlanInput>,
) -> Result<web::Json<RateTable>, ApiError> {
    Ok(web::Json(
        app::commissions::set_account_plan(&app, &p, &id, body.into_inner()).await?,
    ))
}

/// Sets a partner account's own commission rate for a deal type (partner role).
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path), ("role" = PartnerRole, Path)), request_body = RateOverrideInput, responses(
    (status = 200, body = RateTable),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[put("/admin/accounts/{id}/commission-overrides/{role}")]
pub async fn set_commission_override(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<(String, PartnerRole)>,
    body: web::Json<RateOverrideInput>,
) -> Result<web::Json<RateTable>, ApiError> {
    let (id, role) = path.into_inner();
    Ok(web::Json(
        app::commissions::set_override(&app, &p, &id, role, body.into_inner()).await?,
    ))
}

/// Clears a partner account's own commission rate for a deal type.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path), ("role" = PartnerRole, Path)), responses(
    (status = 200, body = RateTable),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[delete("/admin/accounts/{id}/commission-overrides/{role}")]
pub async fn clear_commission_override(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<(String, PartnerRole)>,
) -> Result<web::Json<RateTable>, ApiError> {
    let (id, role) = path.into_inner();
    Ok(web::Json(
        app::commissions::clear_override(&app, &p, &id, role).await?,
    ))
}

/// Filters and page of every partner's commissions.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AdminCommissionQuery {
    /// Only this partner account's.
    pub account: Option<String>,
    /// Only commissions in this status.
    pub status: Option<CommissionStatus>,
    /// Page size, 1-200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Every partner's commissions, newest first.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(AdminCommissionQuery), responses(
    (status = 200, body = CommissionPage),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/commissions")]
pub async fn list_all_commissions(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<AdminCommissionQuery>,
) -> Result<web::Json<CommissionPage>, ApiError> {
    let q = q.into_inner();
    Ok(web::Json(
        app::commissions::list_all(
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

/// Which partner account's payouts.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AdminPayoutQuery {
    /// Only this partner account's.
    pub account: Option<String>,
}

/// Every partner's payouts, newest first (administrators, managers, channel managers).
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(AdminPayoutQuery), responses(
    (status = 200, body = PayoutList),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/commission-payouts")]
pub async fn list_all_commission_payouts(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<AdminPayoutQuery>,
) -> Result<web::Json<PayoutList>, ApiError> {
    Ok(web::Json(
        app::commissions::payouts_all(&app, &p, q.account.as_deref()).await?,
    ))
}

/// Records a payout of earned commissions (administrators): they must be the account's,
/// in the payout's currency, and add up to its amount exactly; they become paid.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = PayoutInput, responses(
    (status = 201, body = Payout),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/commission-payouts")]
pub async fn record_commission_payout(
    p: Principal,
    app: web::Data<App>,
    body: web::Json<PayoutInput>,
) -> Result<HttpResponse, ApiError> {
    let payout = app::commissions::record_payout(&app, &p, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(payout))
}

/// Every partner tier, lowest rank first.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
    (status = 200, body = TierList),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/tiers")]
pub async fn list_tiers(
    p: Principal,
    app: web::Data<App>,
) -> Result<web::Json<TierList>, ApiError> {
    Ok(web::Json(app::tiers::list(&app, &p).await?))
}

/// Adds a partner tier.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = TierInput, responses(
    (status = 201, body = Tier),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/tiers")]
pub async fn create_tier(
    p: Principal,
    app: web::Data<App>,
    body: web::Json<TierInput>,
) -> Result<HttpResponse, ApiError> {
    let tier = app::tiers::create(&app, &p, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(tier))
}

/// Changes a partner tier; accounts move at the next recompute.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = TierPatch, responses(
    (status = 200, body = Tier),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[patch("/admin/tiers/{id}")]
pub async fn update_tier(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<TierPatch>,
) -> Result<web::Json<Tier>, ApiError> {
    Ok(web::Json(
        app::tiers::update(&app, &p, &id, body.into_inner()).await?,
    ))
}

/// Deletes a partner tier no account or rate uses (one in use answers 409).
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 204, description = "Deleted"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
#[delete("/admin/tiers/{id}")]
pub async fn delete_tier(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    app::tiers::delete(&app, &p, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Recomputes every partner account's tier now (the daily job does it too).
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
    (status = 200, body = TierRecompute),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/tiers/recompute")]
pub async fn recompute_tiers(
    p: Principal,
    app: web::Data<App>,
) -> Result<web::Json<TierRecompute>, ApiError> {
    Ok(web::Json(app::tiers::recompute_now(&app, &p).await?))
}

/// Holds a partner account at a tier whatever its results.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = TierOverrideInput, responses(
    (status = 200, body = TierStatus),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[put("/admin/accounts/{id}/tier-override")]
pub async fn set_tier_override(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<TierOverrideInput>,
) -> Result<web::Json<TierStatus>, ApiError> {
    Ok(web::Json(
        app::tiers::set_override(&app, &p, &id, body.into_inner()).await?,
    ))
}

/// Lets a partner account's results decide its tier again.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = TierStatus),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[delete("/admin/accounts/{id}/tier-override")]
pub async fn clear_tier_override(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<TierStatus>, ApiError> {
    Ok(web::Json(app::tiers::clear_override(&app, &p, &id).await?))
}
