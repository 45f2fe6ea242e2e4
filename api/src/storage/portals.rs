//! Portals: their identity, branding and publication state.

use portcullis_shared::{Branding, PortalKind, PortalPublic};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::domain::portal::NewPortal;
use crate::storage::AccountScope;
use crate::storage::flag;
use crate::time;
use sqlx::AnyConnection;

/// A portal as stored.
#[derive(Debug, Clone)]
pub struct PortalRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub kind: PortalKind,
    pub branding: Branding,
    pub custom_domain: Option<String>,
    pub frame_ancestors: Option<String>,
    pub published: bool,
    pub idle_timeout_secs: i64,
    pub absolute_lifetime_secs: i64,
    pub updated_at: i64,
    pub self_registration: bool,
    pub registration_domains: Vec<String>,
}

impl PortalRow {
    fn from_row(row: &AnyRow) -> Result<PortalRow, sqlx::Error> {
        let kind: String = row.try_get("kind")?;
        Ok(PortalRow {
            id: row.try_get("id")?,
            slug: row.try_get("slug")?,
            name: row.try_get("name")?,
            kind: PortalKind::parse(&kind).ok_or_else(|| sqlx::Error::ColumnDecode {
                index: "kind".into(),
                source: format!("unknown portal kind {kind:?}").into(),
            })?,
            branding: Branding {
                logo_url: row.try_get("logo_url")?,
                primary_color: row.try_get("primary_color")?,
                background_color: row.try_get("background_color")?,
                favicon_url: row.try_get("favicon_url")?,
                login_image_url: row.try_get("login_image_url")?,
                email_header_url: row.try_get("email_header_url")?,
            },
            custom_domain: row.try_get("custom_domain")?,
            frame_ancestors: row.try_get("frame_ancestors")?,
            published: flag(row.try_get("published")?),
            idle_timeout_secs: row.try_get("idle_timeout_secs")?,
            absolute_lifetime_secs: row.try_get("absolute_lifetime_secs")?,
            updated_at: row.try_get("updated_at")?,
            self_registration: flag(row.try_get("self_registration")?),
            registration_domains: row
                .try_get::<Option<String>, _>("registration_domains")?
                .map(|d| {
                    d.split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// The admin view.
    pub fn to_admin(&self) -> portcullis_shared::admin::Portal {
        portcullis_shared::admin::Portal {
            id: self.id.clone(),
            slug: self.slug.clone(),
            name: self.name.clone(),
            kind: self.kind,
            branding: self.branding.clone(),
            custom_domain: self.custom_domain.clone(),
            frame_ancestors: self.frame_ancestors.clone(),
            published: self.published,
            idle_timeout_minutes: self.idle_timeout_secs / 60,
            session_lifetime_hours: self.absolute_lifetime_secs / 3600,
            self_registration: self.self_registration,
            registration_domains: self.registration_domains.clone(),
        }
    }

    /// The `ETag` of this version.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.updated_at)
    }

    /// What the public sign-in page may show.
    pub fn to_public(&self) -> PortalPublic {
        PortalPublic {
            slug: self.slug.clone(),
            name: self.name.clone(),
            kind: self.kind,
            branding: self.branding.clone(),
            self_registration: self.self_registration,
        }
    }
}

macro_rules! portal_columns {
    () => {
        "id, slug, name, kind, logo_url, primary_color, background_color, favicon_url, \
         login_image_url, email_header_url, custom_domain, frame_ancestors, published, \
         idle_timeout_secs, absolute_lifetime_secs, updated_at, self_registration, \
         registration_domains"
    };
}

/// A published portal by slug. Unpublished portals are invisible to the public.
#[tracing::instrument(skip(conn))]
pub async fn find_published(
    conn: &mut AnyConnection,
    slug: &str,
) -> Result<Option<PortalRow>, sqlx::Error> {
    sqlx::query(concat!(
        "SELECT ",
        portal_columns!(),
        " FROM portals WHERE slug = $1 AND published = 1"
    ))
    .bind(slug)
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| PortalRow::from_row(&r))
    .transpose()
}

/// A portal by id, published or not (for signed-in users and admins).
#[tracing::instrument(skip(conn))]
pub async fn find_by_id(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<PortalRow>, sqlx::Error> {
    sqlx::query(concat!(
        "SELECT ",
        portal_columns!(),
        " FROM portals WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| PortalRow::from_row(&r))
    .transpose()
}

/// A portal by slug, published or not.
pub async fn find_by_slug(
    conn: &mut AnyConnection,
    slug: &str,
) -> Result<Option<PortalRow>, sqlx::Error> {
    sqlx::query(concat!(
        "SELECT ",
        portal_columns!(),
        " FROM portals WHERE slug = $1"
    ))
    .bind(slug)
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| PortalRow::from_row(&r))
    .transpose()
}

/// Every portal, by name, for a scope that reaches the whole company (portals belong to the
/// company, not to one organisation).
pub async fn list_all(
    conn: &mut AnyConnection,
    scope: &AccountScope,
) -> Result<Vec<PortalRow>, sqlx::Error> {
    if !scope.whole_company() {
        return Ok(Vec::new());
    }
    sqlx::query(concat!(
        "SELECT ",
        portal_columns!(),
        " FROM portals ORDER BY name, id"
    ))
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(PortalRow::from_row)
    .collect()
}

/// Writes every editable field of a portal, if it still has the version `expected_updated_at`.
/// Returns false when the portal is gone or changed meanwhile.
pub async fn update(
    conn: &mut AnyConnection,
    p: &PortalRow,
    expected_updated_at: i64,
) -> Result<bool, sqlx::Error> {
    let b = &p.branding;
    let done = sqlx::query(
        "UPDATE portals SET name = $1, logo_url = $2, primary_color = $3, background_color = $4, \
         favicon_url = $5, login_image_url = $6, email_header_url = $7, custom_domain = $8, \
         frame_ancestors = $9, published = $10, idle_timeout_secs = $11, \
         absolute_lifetime_secs = $12, updated_at = $13, self_registration = $16, \
         registration_domains = $17 \
         WHERE id = $14 AND updated_at = $15",
    )
    .bind(&p.name)
    .bind(&b.logo_url)
    .bind(&b.primary_color)
    .bind(&b.background_color)
    .bind(&b.favicon_url)
    .bind(&b.login_image_url)
    .bind(&b.email_header_url)
    .bind(&p.custom_domain)
    .bind(&p.frame_ancestors)
    .bind(i64::from(p.published))
    .bind(p.idle_timeout_secs)
    .bind(p.absolute_lifetime_secs)
    .bind(time::now().max(p.updated_at + 1))
    .bind(&p.id)
    .bind(expected_updated_at)
    .bind(i64::from(p.self_registration))
    .bind((!p.registration_domains.is_empty()).then(|| p.registration_domains.join(",")))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Creates a portal unless one with its slug (or custom domain) exists; returns whether it
/// was created.
#[tracing::instrument(skip(conn, portal), fields(slug = %portal.slug))]
pub async fn insert_if_absent(
    conn: &mut AnyConnection,
    portal: &NewPortal,
) -> Result<bool, sqlx::Error> {
    let now = time::now();
    let b = &portal.branding;
    let done = sqlx::query(
        "INSERT INTO portals (id, slug, name, kind, logo_url, primary_color, background_color, \
         favicon_url, login_image_url, email_header_url, custom_domain, frame_ancestors, \
         published, idle_timeout_secs, absolute_lifetime_secs, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $15, $16, $14, $14) \
         ON CONFLICT DO NOTHING",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(portal.slug.as_str())
    .bind(&portal.name)
    .bind(portal.kind.as_str())
    .bind(&b.logo_url)
    .bind(&b.primary_color)
    .bind(&b.background_color)
    .bind(&b.favicon_url)
    .bind(&b.login_image_url)
    .bind(&b.email_header_url)
    .bind(&portal.custom_domain)
    .bind(&portal.frame_ancestors)
    .bind(i64::from(portal.published))
    .bind(now)
    .bind(portal.idle_timeout_secs)
    .bind(portal.absolute_lifetime_secs)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
