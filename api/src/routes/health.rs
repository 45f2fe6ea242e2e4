//! Liveness, readiness and metrics for operators and orchestrators.

use actix_web::{HttpResponse, get, web};

use crate::app::App;
use crate::db::Db;
use crate::error::ApiError;
use crate::metrics::Metrics;

/// Liveness: the process is up and serving.
#[utoipa::path(tag = "operations", operation_id = "check_liveness", responses((status = 200, description = "Alive", body = String, content_type = "text/plain")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .content_type("text/plain")
        .body("ok")
}

/// Readiness: the database answers.
#[utoipa::path(tag = "operations", operation_id = "check_readiness", responses(
    (status = 200, description = "Ready", body = String, content_type = "text/plain"),
    (status = 503, description = "The database is unreachable", body = portcullis_shared::Problem, content_type = "application/problem+json"),
))]
#[get("/readyz")]
pub async fn readyz(db: web::Data<Db>) -> Result<HttpResponse, ApiError> {
    if db.ping().await {
        Ok(HttpResponse::Ok()
            .insert_header(("cache-control", "no-store"))
            .content_type("text/plain")
            .body("ready"))
    } else {
        Err(ApiError::Unavailable(anyhow::anyhow!(
            "database did not answer SELECT 1"
        )))
    }
}

/// Prometheus metrics: request counts and latency histograms by route and status, and the
/// job queue by kind and state.
#[utoipa::path(tag = "operations", operation_id = "get_metrics", responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain; version=0.0.4")))]
#[get("/metrics")]
pub async fn metrics(
    metrics: web::Data<Metrics>,
    app: web::Data<App>,
) -> Result<HttpResponse, ApiError> {
    metrics.set_jobs(&crate::app::jobs::counts(&app).await?);
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render()?))
}
