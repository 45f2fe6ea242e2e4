//! Portals: the public face of a published portal, and their administration (create, list,
//! read, update branding, publication, domain, embedding, session timeouts, self-registration).

use portcullis_shared::FieldCode;
use portcullis_shared::FieldError;
use portcullis_shared::admin::{PortalInput, PortalPatch};

use crate::app::scope::require;
use crate::app::{Actor, App, Audit};
use crate::auth::Principal;
use crate::domain::portal::{self, NewPortal, Slug};
use crate::error::ApiError;
use crate::storage::portals::{self, PortalRow};

/// A published portal by slug, as anyone may see it.
pub async fn published(app: &App, slug: &str) -> Result<PortalRow, ApiError> {
    let mut conn = app.read().await?;
    portals::find_published(&mut conn, slug)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Every portal, published or not, for internal users.
pub async fn list(app: &App, p: &Principal) -> Result<Vec<PortalRow>, ApiError> {
    let scope = require::staff(p)?;
    let mut conn = app.read().await?;
    Ok(portals::list_all(&mut conn, &scope).await?)
}

/// One portal, for internal users.
pub async fn get(app: &App, p: &Principal, id: &str) -> Result<PortalRow, ApiError> {
    require::staff(p)?;
    let mut conn = app.read().await?;
    portals::find_by_id(&mut conn, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Creates a portal.
pub async fn create(app: &App, p: &Principal, input: PortalInput) -> Result<PortalRow, ApiError> {
    require::manage_portals(p)?;
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
    let mut tx = app.begin().await?;
    if !portals::insert_if_absent(&mut tx, &new).await? {
        return Err(ApiError::Conflict(
            "A portal with this slug or custom domain exists.".into(),
        ));
    }
    let created = portals::find_by_slug(&mut tx, new.slug.as_str())
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.audit(Audit::new(Actor::User(p), "portal.create").object("portal", created.id.clone()))
        .await?;
    tx.commit().await?;
    Ok(created)
}

/// Updates a portal. With `if_match` (the `ETag` of a read) a concurrent edit is refused
/// with 412 rather than lost.
pub async fn update(
    app: &App,
    p: &Principal,
    id: &str,
    if_match: Option<&[u8]>,
    patch: PortalPatch,
) -> Result<PortalRow, ApiError> {
    require::manage_portals(p)?;
    let mut tx = app.begin().await?;
    let mut row = portals::find_by_id(&mut tx, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if if_match.is_some_and(|v| v != row.etag().as_bytes()) {
        return Err(ApiError::PreconditionFailed);
    }
    // The version read in this transaction: a concurrent edit in between is refused too.
    let expected = row.updated_at;
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
        errors.push(FieldError::new(
            "registration_domains",
            FieldCode::InvalidFormat,
            "must be up to 50 lowercase domains such as acme.example",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if let Some(on) = patch.self_registration {
        row.self_registration = on;
    }
    if let Some(domains) = patch.registration_domains {
        row.registration_domains = domains;
    }
    if let Some(name) = patch.name {
        row.name = name.trim().to_owned();
    }
    if let Some(b) = patch.branding {
        row.branding = b;
    }
    if let Some(d) = patch.custom_domain {
        row.custom_domain = d;
    }
    if let Some(f) = patch.frame_ancestors {
        row.frame_ancestors = f;
    }
    if let Some(published) = patch.published {
        row.published = published;
    }
    if let Some(m) = patch.idle_timeout_minutes {
        row.idle_timeout_secs = m * 60;
    }
    if let Some(h) = patch.session_lifetime_hours {
        row.absolute_lifetime_secs = h * 3600;
    }
    if !portals::update(&mut tx, &row, expected).await? {
        return Err(ApiError::PreconditionFailed);
    }
    let saved = portals::find_by_id(&mut tx, &row.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.audit(Audit::new(Actor::User(p), "portal.update").object("portal", saved.id.clone()))
        .await?;
    tx.commit().await?;
    Ok(saved)
}
