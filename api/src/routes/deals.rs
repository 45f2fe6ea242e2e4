//! Deals and the pipeline. Each handler parses, calls one use case of `app::deals`, and
//! shapes the answer; who sees what is decided there.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use portcullis_shared::deals::{
    ContactInput, ContactList, Deal, DealContactInput, DealEvent, DealPage, DealPartnerInput,
    DealPatch, DealSort, DealView, NoteInput, Pipeline, PipelineSummary, ShareInput, ShareOutcome,
    Stage, StageInput, StagePatch, TeamMemberInput, TimelinePage,
};
use serde::Deserialize;

use crate::app::{self, App};
use crate::audit::{self, AuditNote};
use crate::auth::Principal;
use crate::error::ApiError;

type Problem = portcullis_shared::Problem;

/// The `ETag` of a deal version.
fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}

/// The version named by an `If-Match` header; an unreadable one matches nothing.
fn if_match(req: &HttpRequest) -> Option<i64> {
    let value = req.headers().get(header::IF_MATCH)?.to_str().ok()?;
    let v = value.trim().trim_start_matches("W/").trim_matches('"');
    Some(
        v.strip_prefix('v')
            .and_then(|n| n.parse().ok())
            .unwrap_or(-1),
    )
}

fn deal_response(status: actix_web::http::StatusCode, deal: Deal) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(deal.version)))
        .json(deal)
}

/// The pipeline's stages, in order.
#[utoipa::path(tag = "deals", security(("bearer" = [])), responses(
    (status = 200, body = Pipeline),
    (status = 401, body = Problem, content_type = "application/problem+json"),
))]
#[get("/pipeline/stages")]
pub async fn list_stages(
    p: Principal,
    app: web::Data<App>,
) -> Result<web::Json<Pipeline>, ApiError> {
    Ok(web::Json(app::deals::pipeline(&app, &p).await?))
}

/// Adds a stage (administrators and managers).
#[utoipa::path(tag = "deals", security(("bearer" = [])), request_body = StageInput, responses(
    (status = 201, body = Stage),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/pipeline/stages")]
pub async fn create_stage(
    p: Principal,
    app: web::Data<App>,
    body: web::Json<StageInput>,
) -> Result<HttpResponse, ApiError> {
    let stage = app::deals::create_stage(&app, &p, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(stage))
}

/// Renames, reorders or reconfigures a stage (administrators and managers).
#[utoipa::path(tag = "deals", security(("bearer" = [])), params(("id" = String, Path)), request_body = StagePatch, responses(
    (status = 200, body = Stage),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[patch("/pipeline/stages/{id}")]
pub async fn update_stage(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<StagePatch>,
) -> Result<web::Json<Stage>, ApiError> {
    Ok(web::Json(
        app::deals::update_stage(&app, &p, &id, body.into_inner()).await?,
    ))
}

/// Deletes a stage no deal is at; one in use answers 409 saying how many deals are.
#[utoipa::path(tag = "deals", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 204, description = "Deleted"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
#[delete("/pipeline/stages/{id}")]
pub async fn delete_stage(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    app::deals::delete_stage(&app, &p, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deals and amounts by stage, within the caller's deals (internal users).
#[utoipa::path(tag = "deals", security(("bearer" = [])), responses(
    (status = 200, body = PipelineSummary),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/pipeline/summary")]
pub async fn pipeline_summary(
    p: Principal,
    app: web::Data<App>,
) -> Result<web::Json<PipelineSummary>, ApiError> {
    Ok(web::Json(app::deals::summary_by_stage(&app, &p).await?))
}

/// Filters, order and page of the deal list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DealListQuery {
    /// Internal users: `mine` (owned), `team` (owned or on the team), `all` (default).
    pub view: Option<DealView>,
    /// A stage id.
    pub stage: Option<String>,
    /// Internal users: an owner's user id.
    pub owner: Option<String>,
    /// Internal users: a customer account id.
    pub account: Option<String>,
    /// Internal users: a partner account id.
    pub partner: Option<String>,
    /// Internal users: a region.
    pub region: Option<String>,
    /// Expected to close on or after this date (YYYY-MM-DD).
    pub close_from: Option<String>,
    /// Expected to close on or before this date (YYYY-MM-DD).
    pub close_to: Option<String>,
    /// A piece of the deal's name.
    pub q: Option<String>,
    /// `updated` (default, newest first), `close_date` (soonest first) or `amount` (largest
    /// first).
    pub sort: Option<DealSort>,
    /// Page size, 1-200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (of the same sort).
    pub cursor: Option<String>,
}

/// The deals the caller may see: a customer's shared deals, a partner's pipeline, a rep's
/// own and team deals, a channel manager's partner deals, everything for administrators.
#[utoipa::path(tag = "deals", security(("bearer" = [])), params(DealListQuery), responses(
    (status = 200, body = DealPage),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/deals")]
pub async fn list_deals(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<DealListQuery>,
) -> Result<web::Json<DealPage>, ApiError> {
    let q = q.into_inner();
    let query = app::deals::DealQuery {
        view: q.view,
        stage: q.stage,
        owner: q.owner,
        account: q.account,
        partner: q.partner,
        region: q.region,
        close_from: q.close_from,
        close_to: q.close_to,
        q: q.q,
        sort: q.sort,
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(web::Json(app::deals::list(&app, &p, query).await?))
}

/// Creates a deal (internal users).
#[utoipa::path(tag = "deals", security(("bearer" = [])), request_body = portcullis_shared::deals::DealInput, responses(
    (status = 201, body = Deal, headers(("ETag" = String))),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/deals")]
pub async fn create_deal(
    p: Principal,
    app: web::Data<App>,
    body: web::Json<portcullis_shared::deals::DealInput>,
) -> Result<HttpResponse, ApiError> {
    let deal = app::deals::create(&app, &p, body.into_inner()).await?;
    let location = format!("/api/v1/deals/{}", deal.id);
    let mut res = deal_response(actix_web::http::StatusCode::CREATED, deal);
    if let Ok(v) = header::HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// One deal, as the caller may see it, with its `ETag`.
#[utoipa::path(tag = "deals", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Deal, headers(("ETag" = String, description = "Send it back as `If-Match` when updating"))),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/deals/{id}")]
pub async fn get_deal(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let deal = app::deals::get(&app, &p, &id).await?;
    Ok(deal_response(actix_web::http::StatusCode::OK, deal))
}

/// Changes a deal. Needs `If-Match` with the `ETag` of a read (428 without, 412 when the deal
/// changed since); a locking stage keeps the amount, currency, close date and account from
/// all but administrators and managers (409 `field_locked`).
#[utoipa::path(tag = "deals", security(("bearer" = [])), params(("id" = String, Path), ("If-Match" = String, Header, description = "The deal's ETag")), request_body = DealPatch, responses(
    (status = 200, body = Deal, headers(("ETag" = String))),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 412, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 428, body = Problem, content_type = "application/problem+json"),
))]
#[patch("/deals/{id}")]
pub async fn update_deal(
    req: HttpRequest,
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<DealPatch>,
) -> Result<HttpResponse, ApiError> {
    match app::deals::update(&app, &p, &id, if_match(&req), body.into_inner()).await {
        Ok(deal) => Ok(deal_response(actix_web::http::StatusCode::OK, deal)),
        Err(ApiError::FieldLocked(fields)) => {
            audit::note(
                &req,
                AuditNote {
                    action: Some("deal.update.locked".into()),
                    object_type: Some("deal".into()),
                    object_id: Some(id.to_string()),
                    details: Some(serde_json::json!({
                        "locked": fields.iter().map(|f| f.field.clone()).collect::<Vec<_>>(),
                    })),
                    ..AuditNote::default()
                },
            );
            Err(ApiError::FieldLocked(fields))
        }
        Err(e) => Err(e),
    }
}

/// The deal owner's photo, for callers who may see the team.
#[utoipa::path(tag = "deals", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, description = "The image", content(
        (crate::openapi::Binary = "image/png"),
        (crate::openapi::Binary = "image/jpeg"),
        (crate::openapi::Binary = "image/webp"),
    )),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/deals/{id}/owner/photo")]
pub async fn get_deal_owner_photo(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (content_type, data) = app::deals::owner_photo(&app, &p, &id).await?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("cache-control", "private, max-age=300"))
        .body(data))
}

/// A page of a timeline.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TimelineQuery {
    /// Page size, 1-200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The deal's timeline, newest first; customers and partners see shared events only.
#[utoipa::path(tag = "deals", security(("bearer" = [])), params(("id" = String, Path), TimelineQuery), responses(
    (status = 200, body = TimelinePage),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/deals/{id}/timeline")]
pub async fn get_deal_timeline(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    q: web::Query<TimelineQuery>,
) -> Result<web::Json<TimelinePage>, ApiError> {
    Ok(web::Json(
        app::deals::timeline(&app, &p, &id, q.cursor.as_deref(), q.limit).await?,
    ))
}

/// Writes a note on the deal, internal or shared (internal users).
#[utoipa::path(tag = "deals", security(("bearer" = [])), params(("id" = String, Path)), request_body = NoteInput, responses(
    (status = 201, body = DealEvent),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/deals/{id}/notes")]
pub async fn add_deal_note(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<NoteInput>,
) -> Result<HttpResponse, ApiError> {
    let event = app::deals::add_note(&app, &p, &id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(event))
}

/// Shares the deal to the customer's portal (optionally its amount) and invites its contacts
/// without a portal account, in one change (internal users).
#[utoipa::path(tag = "deals", security(("bearer" = [])), params(("id" = String, Path)), request_body = ShareInput, responses(
    (status = 200, body = ShareOutcome),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[post("/deals/{id}/share")]
pub async fn share_deal(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<ShareInput>,
) -> Result<web::Json<ShareOutcome>, ApiError> {
    Ok(web::Json(
        app::deals::share(&app, &p, &id, body.into_inner()).await?,
    ))
}

/// Stops sharing the deal to the portal (internal users).
#[utoipa::path(tag = "deals", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Deal, headers(("ETag" = String))),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[delete("/deals/{id}/share")]
pub async fn unshare_deal(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let deal = app::deals::unshare(&app, &p, &id).await?;
    Ok(deal_response(actix_web::http::StatusCode::OK, deal))
}

/// Links one of the account's contacts to the deal (internal users).
#[utoipa::path(tag = "deals", security(("bearer" = [])), params(("id" = String, Path)), request_body = DealContactInput, responses(
    (status = 200, body = Deal, headers(("ETag" = String))),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/deals/{id}/contacts")]
pub async fn add_deal_contact(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<DealContactInput>,
) -> Result<HttpResponse, ApiError> {
    let deal = app::deals::add_contact(&app, &p, &id, body.into_inner()).await?;
    Ok(deal_response(actix_web::http::StatusCode::OK, deal))
}

/// Unlinks a contact from the deal (internal users); unlinking one that is not linked
/// succeeds too.
#[utoipa::path(tag = "deals", security(("bearer" = [])), params(("id" = String, Path), ("contact_id" = String, Path)), responses(
    (status = 204, description = "Unlinked"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[delete("/deals/{id}/contacts/{contact_id}")]
pub async fn remove_deal_contact(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, contact) = path.into_inner();
    app::deals::remove_contact(&app, &p, &id, &contact).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds an internal user to the deal team (internal users).
#[utoipa::path(tag = "deals", security(("bearer" = [])), params(("id" = String, Path)), request_body = TeamMemberInput, responses(
    (status = 200, body = Deal, headers(("ETag" = String))),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/deals/{id}/team")]
pub async fn add_deal_team_member(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<TeamMemberInput>,
) -> Result<HttpResponse, ApiError> {
    let deal = app::deals::add_member(&app, &p, &id, body.into_inner()).await?;
    Ok(deal_response(actix_web::http::StatusCode::OK, deal))
}

/// Removes a member from the deal team (internal users); removing one who is not on it
/// succeeds too.
#[utoipa::path(tag = "deals", security(("bearer" = [])), params(("id" = String, Path), ("user_id" = String, Path)), responses(
    (status = 204, description = "Removed"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[delete("/deals/{id}/team/{user_id}")]
pub async fn remove_deal_team_member(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, user) = path.into_inner();
    app::deals::remove_member(&app, &p, &id, &user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Links a partner organisation to the deal, with its role and responsible user (internal
/// users); linking again changes them.
#[utoipa::path(tag = "deals", security(("bearer" = [])), params(("id" = String, Path)), request_body = DealPartnerInput, responses(
    (status = 200, body = Deal, headers(("ETag" = String))),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/deals/{id}/partners")]
pub async fn link_deal_partner(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<DealPartnerInput>,
) -> Result<HttpResponse, ApiError> {
    let deal = app::deals::link_partner(&app, &p, &id, body.into_inner()).await?;
    Ok(deal_response(actix_web::http::StatusCode::OK, deal))
}

/// Unlinks a partner organisation from the deal (internal users); unlinking one that is not
/// linked succeeds too.
#[utoipa::path(tag = "deals", security(("bearer" = [])), params(("id" = String, Path), ("account_id" = String, Path)), responses(
    (status = 204, description = "Unlinked"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[delete("/deals/{id}/partners/{account_id}")]
pub async fn unlink_deal_partner(
    p: Principal,
    app: web::Data<App>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, account) = path.into_inner();
    app::deals::unlink_partner(&app, &p, &id, &account).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Which account's contacts.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ContactQuery {
    /// A customer account id.
    pub account_id: String,
}

/// A customer account's contacts (internal users).
#[utoipa::path(tag = "deals", security(("bearer" = [])), params(ContactQuery), responses(
    (status = 200, body = ContactList),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/contacts")]
pub async fn list_contacts(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<ContactQuery>,
) -> Result<web::Json<ContactList>, ApiError> {
    Ok(web::Json(
        app::deals::contacts(&app, &p, &q.account_id).await?,
    ))
}

/// Adds a contact to a customer account (internal users).
#[utoipa::path(tag = "deals", security(("bearer" = [])), request_body = ContactInput, responses(
    (status = 201, body = portcullis_shared::deals::Contact),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/contacts")]
pub async fn create_contact(
    p: Principal,
    app: web::Data<App>,
    body: web::Json<ContactInput>,
) -> Result<HttpResponse, ApiError> {
    let contact = app::deals::create_contact(&app, &p, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(contact))
}
