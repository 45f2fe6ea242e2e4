//! The pipeline: its stages (everyone reads them; administrators and managers change them)
//! and the deals and amounts at each stage.

use gloo_net::http::Method;
use portcullis_shared::deals::{Pipeline, PipelineSummary, Stage, StageInput, StagePatch};

use super::{ApiError, signed};

/// The stages, in order.
pub fn stages() -> impl Future<Output = Result<Pipeline, ApiError>> + use<> {
    signed(Method::GET, "/pipeline/stages").fetch()
}

/// Adds a stage (last unless a position is given).
pub fn create_stage(body: &StageInput) -> impl Future<Output = Result<Stage, ApiError>> + use<> {
    signed(Method::POST, "/pipeline/stages").json(body).fetch()
}

/// Renames, moves or reconfigures a stage.
pub fn update_stage(
    id: &str,
    body: &StagePatch,
) -> impl Future<Output = Result<Stage, ApiError>> + use<> {
    signed(Method::PATCH, format!("/pipeline/stages/{id}"))
        .json(body)
        .fetch()
}

/// Deletes a stage no deal uses (409 saying how many deals are at it otherwise).
pub fn delete_stage(id: &str) -> impl Future<Output = Result<(), ApiError>> + use<> {
    signed(Method::DELETE, format!("/pipeline/stages/{id}")).done()
}

/// Deals and amounts by stage, within the caller's reach (internal users).
pub fn summary() -> impl Future<Output = Result<PipelineSummary, ApiError>> + use<> {
    signed(Method::GET, "/pipeline/summary").fetch()
}
