//! Portal administration: create, list, read, update (branding, publication, domain,
//! embedding, session timeouts).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use portcullis_shared::admin::{Portal, PortalInput, PortalList, PortalPatch};

use crate::audit::{self, AuditNote};
use crate::auth::guards::{PortalManager, Staff};
use crate::db::Db;
use crate::domain::portal::{self, NewPortal, Slug};
use crate::error::ApiError;
use crate::storage::{Scope, portals};

type Problem = portcullis_shared::Problem;

/// Every portal, published or not.
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses(
    (status = 200, body = PortalList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/portals")]
pub async fn list(staff: Staff, db: web::Data<Db>) -> Result<web::Json<PortalList>, ApiError> {
    let items = portals::list_all(&db, &Scope::records_of(&staff.0))
        .await?
        .iter()
        .map(|p| p.to_admin())
        .collect();
    Ok(web::Json(PortalList { items }))
}

/// One portal, with its `ETag` for a later update.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), responses(
    (status = 200, body = Portal),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/admin/portals/{id}")]
pub async fn get(
    _staff: Staff,
    db: web::Data<Db>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let p = portals::find_by_id(&db, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, p.etag()))
        .json(p.to_admin()))
}

/// Creates a portal.
#[utoipa::path(tag = "admin", security(("bearer" = [])), request_body = PortalInput, responses(
    (status = 201, body = Portal),
    (status = 409, description = "The slug or domain is taken", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/admin/portals")]
pub async fn create(
    req: HttpRequest,
    _who: PortalManager,
    db: web::Data<Db>,
    body: web::Json<PortalInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let mut errors = Vec::new();
    let slug = Slug::parse(&input.slug).map_err(|e| errors.push(e)).ok();
    portal::check_name("name", &input.name, &mut errors);
    portal::check_branding(&input.branding, &mut errors);
    portal::check_settings(
        input.custom_domain.as_deref(),
        input.frame_ancestors.as_deref(),
        input.idle_timeout_minutes,
        input.session_lifetime_hours,
        &mut errors,
    );
    let Some(slug) = slug.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let new = NewPortal {
        slug,
        idle_timeout_secs: input.idle_timeout_minutes.unwrap_or(30) * 60,
        absolute_lifetime_secs: input.session_lifetime_hours.unwrap_or(12) * 3600,
        name: input.name.trim().to_owned(),
        kind: input.kind,
        branding: input.branding,
        custom_domain: input.custom_domain,
        frame_ancestors: input.frame_ancestors,
        published: input.published,
    };
    if !portals::insert_if_absent(&db, &new).await? {
        return Err(ApiError::Conflict(
            "A portal with this slug or custom domain exists.".into(),
        ));
    }
    let created = portals::find_by_slug(&db, new.slug.as_str())
        .await?
        .ok_or(ApiError::NotFound)?;
    audit::note(
        &req,
        AuditNote {
            action: Some("portal.create".into()),
            object_type: Some("portal".into()),
            object_id: Some(created.id.clone()),
            ..AuditNote::default()
        },
    );
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, created.etag()))
        .insert_header((
            header::LOCATION,
            format!("/api/v1/admin/portals/{}", created.id),
        ))
        .json(created.to_admin()))
}

/// Updates a portal. Send the `ETag` from a read as `If-Match` so that no edit is lost.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = String, Path)), request_body = PortalPatch, responses(
    (status = 200, body = Portal),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "Changed since read", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[patch("/admin/portals/{id}")]
pub async fn update(
    req: HttpRequest,
    _who: PortalManager,
    db: web::Data<Db>,
    id: web::Path<String>,
    body: web::Json<PortalPatch>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner();
    let mut p = portals::find_by_id(&db, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let expected = match req.headers().get(header::IF_MATCH) {
        None => None,
        Some(v) => {
            if v.as_bytes() != p.etag().as_bytes() {
                return Err(ApiError::PreconditionFailed);
            }
            Some(p.updated_at)
        }
    };
    let mut errors = Vec::new();
    if let Some(name) = &patch.name {
        portal::check_name("name", name, &mut errors);
    }
    if let Some(b) = &patch.branding {
        portal::check_branding(b, &mut errors);
    }
    portal::check_settings(
        patch.custom_domain.as_ref().and_then(|d| d.as_deref()),
        patch.frame_ancestors.as_ref().and_then(|f| f.as_deref()),
        patch.idle_timeout_minutes,
        patch.session_lifetime_hours,
        &mut errors,
    );
    if let Some(domains) = &patch.registration_domains
        && (domains.len() > 50 || domains.iter().any(|d| !portal::is_valid_hostname(d)))
    {
        errors.push(portcullis_shared::FieldError {
            field: "registration_domains".into(),
            code: "invalid_format".into(),
            message: "must be up to 50 lowercase domains such as acme.example".into(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if let Some(on) = patch.self_registration {
        p.self_registration = on;
    }
    if let Some(domains) = patch.registration_domains {
        p.registration_domains = domains;
    }
    if let Some(name) = patch.name {
        p.name = name.trim().to_owned();
    }
    if let Some(b) = patch.branding {
        p.branding = b;
    }
    if let Some(d) = patch.custom_domain {
        p.custom_domain = d;
    }
    if let Some(f) = patch.frame_ancestors {
        p.frame_ancestors = f;
    }
    if let Some(published) = patch.published {
        p.published = published;
    }
    if let Some(m) = patch.idle_timeout_minutes {
        p.idle_timeout_secs = m * 60;
    }
    if let Some(h) = patch.session_lifetime_hours {
        p.absolute_lifetime_secs = h * 3600;
    }
    match portals::update(&db, &p, expected).await {
        Ok(true) => {}
        Ok(false) => return Err(ApiError::PreconditionFailed),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(ApiError::Conflict(
                "Another portal uses this custom domain.".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let saved = portals::find_by_id(&db, &p.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit::note(
        &req,
        AuditNote {
            action: Some("portal.update".into()),
            object_type: Some("portal".into()),
            object_id: Some(saved.id.clone()),
            ..AuditNote::default()
        },
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, saved.etag()))
        .json(saved.to_admin()))
}
