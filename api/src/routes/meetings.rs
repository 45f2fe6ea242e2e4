//! Meeting scheduling: availability, free slots, booking, moving and cancelling meetings.
//! Each handler parses, calls one use case of `app::meetings`, and shapes the answer; who
//! may see and do what is decided there.

use actix_web::{HttpResponse, get, patch, post, put, web};
use portcullis_shared::collab::Audience;
use portcullis_shared::meetings::{
    Availability, Meeting, MeetingInput, MeetingList, MeetingReschedule, SlotList,
};
use serde::Deserialize;

use crate::app::{self, App};
use crate::auth::Principal;
use crate::error::ApiError;

type Problem = portcullis_shared::Problem;

/// The caller's weekly availability (internal users and partner users); UTC with no
/// windows when none is published.
#[utoipa::path(tag = "meetings", security(("bearer" = [])), responses(
    (status = 200, body = Availability),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/me/availability")]
pub async fn get_availability(
    p: Principal,
    app: web::Data<App>,
) -> Result<web::Json<Availability>, ApiError> {
    Ok(web::Json(app::meetings::my_availability(&app, &p).await?))
}

/// Publishes the caller's weekly availability in their time zone, replacing the previous
/// one; every bad field (time zone, times, overlaps) is named.
#[utoipa::path(tag = "meetings", security(("bearer" = [])), request_body = Availability, responses(
    (status = 200, body = Availability),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[put("/me/availability")]
pub async fn set_availability(
    p: Principal,
    app: web::Data<App>,
    body: web::Json<Availability>,
) -> Result<web::Json<Availability>, ApiError> {
    Ok(web::Json(
        app::meetings::set_availability(&app, &p, body.into_inner()).await?,
    ))
}

/// What slots to find.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SlotQuery {
    /// First day, `YYYY-MM-DD` in `tz` (default today).
    pub from: Option<String>,
    /// Number of days, 1-31 (default 7).
    pub days: Option<i64>,
    /// Meeting length in minutes (default 30).
    pub duration: Option<i64>,
    /// IANA time zone the days and `local_start` are in (default UTC).
    pub tz: Option<String>,
    /// For the company: the meeting's audience (a partner or both-sides meeting needs the
    /// co-selling partner's time too).
    pub audience: Option<Audience>,
}

/// Free slots on a 30-minute grid for a meeting on the deal: the owner's time for the
/// customer, the deal team's and the partner's people's shared time for a co-selling
/// partner.
#[utoipa::path(tag = "meetings", security(("bearer" = [])), params(("id" = String, Path), SlotQuery), responses(
    (status = 200, body = SlotList),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/deals/{id}/slots")]
pub async fn get_deal_slots(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    q: web::Query<SlotQuery>,
) -> Result<web::Json<SlotList>, ApiError> {
    let q = q.into_inner();
    Ok(web::Json(
        app::meetings::slots(
            &app,
            &p,
            &id,
            app::meetings::SlotQuery {
                from: q.from,
                days: q.days,
                duration: q.duration,
                tz: q.tz,
                audience: q.audience,
            },
        )
        .await?,
    ))
}

/// The deal's meetings the caller may see, earliest first.
#[utoipa::path(tag = "meetings", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = MeetingList),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/deals/{id}/meetings")]
pub async fn list_deal_meetings(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<MeetingList>, ApiError> {
    Ok(web::Json(app::meetings::of_deal(&app, &p, &id).await?))
}

/// Books a meeting in a free slot (a customer with "Schedule meetings", a co-selling
/// partner, or the company); a slot taken meanwhile answers 409.
#[utoipa::path(tag = "meetings", security(("bearer" = [])), params(("id" = String, Path)), request_body = MeetingInput, responses(
    (status = 201, body = Meeting),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/deals/{id}/meetings")]
pub async fn book_meeting(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<MeetingInput>,
) -> Result<HttpResponse, ApiError> {
    let meeting = app::meetings::book(&app, &p, &id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(meeting))
}

/// Which meetings to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct MeetingQuery {
    /// Only scheduled meetings that have not ended.
    pub upcoming: Option<bool>,
}

/// Every meeting the caller reaches, earliest first.
#[utoipa::path(tag = "meetings", security(("bearer" = [])), params(MeetingQuery), responses(
    (status = 200, body = MeetingList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/meetings")]
pub async fn list_meetings(
    p: Principal,
    app: web::Data<App>,
    q: web::Query<MeetingQuery>,
) -> Result<web::Json<MeetingList>, ApiError> {
    Ok(web::Json(
        app::meetings::list(&app, &p, q.upcoming.unwrap_or(false)).await?,
    ))
}

/// One meeting.
#[utoipa::path(tag = "meetings", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Meeting),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/meetings/{id}")]
pub async fn get_meeting(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<Meeting>, ApiError> {
    Ok(web::Json(app::meetings::get(&app, &p, &id).await?))
}

/// Moves a meeting to a new free time (and length); its old time is freed.
#[utoipa::path(tag = "meetings", security(("bearer" = [])), params(("id" = String, Path)), request_body = MeetingReschedule, responses(
    (status = 200, body = Meeting),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[patch("/meetings/{id}")]
pub async fn reschedule_meeting(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<MeetingReschedule>,
) -> Result<web::Json<Meeting>, ApiError> {
    Ok(web::Json(
        app::meetings::reschedule(&app, &p, &id, body.into_inner()).await?,
    ))
}

/// Cancels a meeting; its time is free again and the attendees get a cancellation.
#[utoipa::path(tag = "meetings", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Meeting),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
#[post("/meetings/{id}/cancel")]
pub async fn cancel_meeting(
    p: Principal,
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<web::Json<Meeting>, ApiError> {
    Ok(web::Json(app::meetings::cancel(&app, &p, &id).await?))
}
