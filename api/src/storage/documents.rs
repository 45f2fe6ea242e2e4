//! Documents, their versions and comments. Every read joins the document's deal as `d` and
//! takes the caller's `CollabScope`, which limits it to the deals in reach and the audiences
//! of the caller's side, in the statement itself.

use portcullis_shared::collab::Audience;
use portcullis_shared::documents::{DocumentCategory, SigningStatus};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::storage::CollabScope;
use crate::storage::sql::Sql;
use crate::time::Micros;

/// A document with its current version, as stored.
#[derive(Debug, Clone)]
pub struct DocumentRow {
    pub id: String,
    pub deal_id: String,
    pub deal_name: String,
    pub deal_owner_id: String,
    pub account_id: String,
    pub title: String,
    pub category: DocumentCategory,
    pub audience: Audience,
    pub current_version: i64,
    pub signing_status: Option<SigningStatus>,
    pub signing_changed_by: Option<(String, String)>,
    pub signing_changed_at: Option<Micros>,
    pub download_count: i64,
    pub created_at: Micros,
    pub updated_at: Micros,
    pub current: VersionRow,
}

/// One version of a document's file.
#[derive(Debug, Clone)]
pub struct VersionRow {
    pub version: i64,
    pub object_key: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub wrapped_key: String,
    pub master_key_id: String,
    pub uploaded_by: Option<(String, String)>,
    pub created_at: Micros,
}

const DOCUMENT_SELECT: &str = "SELECT doc.id, doc.deal_id, d.name AS deal_name, d.owner_id AS deal_owner_id, \
     d.account_id AS account_id, doc.title, doc.category, doc.audience, doc.current_version, \
     doc.signing_status, doc.signing_changed_by, sc.name AS signing_changed_by_name, \
     doc.signing_changed_at, doc.download_count, doc.created_at, doc.updated_at, \
     v.version, v.object_key, v.file_name, v.content_type, v.size, v.sha256, v.wrapped_key, \
     v.master_key_id, v.uploaded_by, up.name AS uploaded_by_name, v.created_at AS version_created_at \
     FROM documents doc JOIN deals d ON d.id = doc.deal_id \
     JOIN document_versions v ON v.document_id = doc.id AND v.version = doc.current_version \
     LEFT JOIN users up ON up.id = v.uploaded_by \
     LEFT JOIN users sc ON sc.id = doc.signing_changed_by WHERE 1 = 1";

fn person(r: &AnyRow, id: &str, name: &str) -> Result<Option<(String, String)>, sqlx::Error> {
    let id: Option<String> = r.try_get(id)?;
    let name: Option<String> = r.try_get(name)?;
    Ok(id.map(|id| (id, name.unwrap_or_default())))
}

fn version_row(r: &AnyRow, created_at: &str) -> Result<VersionRow, sqlx::Error> {
    Ok(VersionRow {
        version: r.try_get("version")?,
        object_key: r.try_get("object_key")?,
        file_name: r.try_get("file_name")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
        wrapped_key: r.try_get("wrapped_key")?,
        master_key_id: r.try_get("master_key_id")?,
        uploaded_by: person(r, "uploaded_by", "uploaded_by_name")?,
        created_at: r.try_get(created_at)?,
    })
}

fn document_row(r: &AnyRow) -> Result<DocumentRow, sqlx::Error> {
    let category: String = r.try_get("category")?;
    let audience: String = r.try_get("audience")?;
    let signing: Option<String> = r.try_get("signing_status")?;
    Ok(DocumentRow {
        id: r.try_get("id")?,
        deal_id: r.try_get("deal_id")?,
        deal_name: r.try_get("deal_name")?,
        deal_owner_id: r.try_get("deal_owner_id")?,
        account_id: r.try_get("account_id")?,
        title: r.try_get("title")?,
        category: DocumentCategory::parse(&category).unwrap_or(DocumentCategory::Other),
        // An unreadable audience is treated as the most restrictive one.
        audience: Audience::parse(&audience).unwrap_or(Audience::Internal),
        current_version: r.try_get("current_version")?,
        signing_status: signing.as_deref().and_then(SigningStatus::parse),
        signing_changed_by: person(r, "signing_changed_by", "signing_changed_by_name")?,
        signing_changed_at: r.try_get("signing_changed_at")?,
        download_count: r.try_get("download_count")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        current: version_row(r, "version_created_at")?,
    })
}

/// Filters of a document list.
#[derive(Debug, Clone, Default)]
pub struct DocumentFilter {
    pub deal_id: Option<String>,
    pub category: Option<DocumentCategory>,
}

/// The documents within `scope`, most recently changed first (at most `limit`).
pub async fn list(
    conn: &mut AnyConnection,
    scope: &CollabScope,
    filter: &DocumentFilter,
    limit: i64,
) -> Result<Vec<DocumentRow>, sqlx::Error> {
    let mut sql = Sql::new(DOCUMENT_SELECT);
    if let Some(deal) = &filter.deal_id {
        sql.push(" AND doc.deal_id = ").bind(deal.as_str());
    }
    if let Some(category) = filter.category {
        sql.push(" AND doc.category = ").bind(category.as_str());
    }
    scope.restrict(&mut sql, "doc.audience");
    sql.push(" ORDER BY doc.updated_at DESC, doc.id DESC LIMIT ")
        .bind(limit);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(document_row).collect()
}

/// One document within `scope`.
pub async fn get(
    conn: &mut AnyConnection,
    scope: &CollabScope,
    id: &str,
) -> Result<Option<DocumentRow>, sqlx::Error> {
    let mut sql = Sql::new(DOCUMENT_SELECT);
    sql.push(" AND doc.id = ").bind(id);
    scope.restrict(&mut sql, "doc.audience");
    let row = sql.query().fetch_optional(&mut *conn).await?;
    row.as_ref().map(document_row).transpose()
}

/// A deal within `scope` (the deal alone, no audience): its name, owner and account.
pub async fn deal_in(
    conn: &mut AnyConnection,
    scope: &CollabScope,
    deal_id: &str,
) -> Result<Option<(String, String, String)>, sqlx::Error> {
    let mut sql = Sql::new("SELECT d.name, d.owner_id, d.account_id FROM deals d WHERE d.id = ");
    sql.bind(deal_id);
    scope.restrict_deal(&mut sql);
    let row = sql.query().fetch_optional(&mut *conn).await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .transpose()
}

/// Every version of a document, newest first (the document already read within scope).
pub async fn versions(
    conn: &mut AnyConnection,
    document_id: &str,
) -> Result<Vec<VersionRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT v.version, v.object_key, v.file_name, v.content_type, v.size, v.sha256, \
         v.wrapped_key, v.master_key_id, v.uploaded_by, up.name AS uploaded_by_name, v.created_at \
         FROM document_versions v LEFT JOIN users up ON up.id = v.uploaded_by \
         WHERE v.document_id = $1 ORDER BY v.version DESC",
    )
    .bind(document_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| version_row(r, "created_at")).collect()
}

/// One version of a document (the document already read within scope).
pub async fn version(
    conn: &mut AnyConnection,
    document_id: &str,
    version: i64,
) -> Result<Option<VersionRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT v.version, v.object_key, v.file_name, v.content_type, v.size, v.sha256, \
         v.wrapped_key, v.master_key_id, v.uploaded_by, up.name AS uploaded_by_name, v.created_at \
         FROM document_versions v LEFT JOIN users up ON up.id = v.uploaded_by \
         WHERE v.document_id = $1 AND v.version = $2",
    )
    .bind(document_id)
    .bind(version)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref()
        .map(|r| version_row(r, "created_at"))
        .transpose()
}

/// A new document.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    pub id: &'a str,
    pub deal_id: &'a str,
    pub title: &'a str,
    pub category: DocumentCategory,
    pub audience: Audience,
    pub signing_status: Option<SigningStatus>,
    pub created_by: &'a str,
    pub now: Micros,
}

/// A new version's file, as stored.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    pub document_id: &'a str,
    pub version: i64,
    pub object_key: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub wrapped_key: &'a str,
    pub master_key_id: &'a str,
    pub uploaded_by: &'a str,
    pub now: Micros,
}

pub async fn insert(conn: &mut AnyConnection, d: &NewDocument<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO documents (id, deal_id, title, category, audience, current_version, \
         signing_status, download_count, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, 0, $7, $8, $8)",
    )
    .bind(d.id)
    .bind(d.deal_id)
    .bind(d.title)
    .bind(d.category.as_str())
    .bind(d.audience.as_str())
    .bind(d.signing_status.map(SigningStatus::as_str))
    .bind(d.created_by)
    .bind(d.now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records a version's file (its number taken by `insert` or `bump_version`).
pub async fn insert_version(
    conn: &mut AnyConnection,
    v: &NewVersion<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO document_versions (document_id, version, object_key, file_name, content_type, \
         size, sha256, wrapped_key, master_key_id, uploaded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(v.document_id)
    .bind(v.version)
    .bind(v.object_key)
    .bind(v.file_name)
    .bind(v.content_type)
    .bind(v.size)
    .bind(v.sha256)
    .bind(v.wrapped_key)
    .bind(v.master_key_id)
    .bind(v.uploaded_by)
    .bind(v.now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Makes the document's next version current and returns its number. The update takes
/// the row's lock, so two uploads of one document get different numbers.
pub async fn bump_version(
    conn: &mut AnyConnection,
    document_id: &str,
    now: Micros,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE documents SET current_version = current_version + 1, updated_at = $1 \
         WHERE id = $2 RETURNING current_version",
    )
    .bind(now)
    .bind(document_id)
    .fetch_optional(&mut *conn)
    .await
}

/// The fields a company user may change.
#[derive(Debug, Clone)]
pub struct DocumentFields {
    pub title: String,
    pub category: DocumentCategory,
    pub audience: Audience,
    pub signing_status: Option<SigningStatus>,
    pub signing_changed_by: Option<String>,
    pub signing_changed_at: Option<Micros>,
}

pub async fn update(
    conn: &mut AnyConnection,
    id: &str,
    f: &DocumentFields,
    now: Micros,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE documents SET title = $1, category = $2, audience = $3, signing_status = $4, \
         signing_changed_by = $5, signing_changed_at = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(&f.title)
    .bind(f.category.as_str())
    .bind(f.audience.as_str())
    .bind(f.signing_status.map(SigningStatus::as_str))
    .bind(&f.signing_changed_by)
    .bind(f.signing_changed_at)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Counts a download.
pub async fn count_download(conn: &mut AnyConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE documents SET download_count = download_count + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes a document, its comments and versions' rows; returns the versions' object keys.
pub async fn delete(conn: &mut AnyConnection, id: &str) -> Result<Vec<String>, sqlx::Error> {
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT object_key FROM document_versions WHERE document_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    for sql in [
        "DELETE FROM document_comments WHERE document_id = $1",
        "DELETE FROM document_versions WHERE document_id = $1",
        "DELETE FROM documents WHERE id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *conn).await?;
    }
    Ok(keys)
}

/// A comment as stored.
#[derive(Debug, Clone)]
pub struct CommentRow {
    pub id: String,
    pub document_id: String,
    pub author: Option<(String, String)>,
    pub body: String,
    pub created_at: Micros,
}

fn comment_row(r: &AnyRow) -> Result<CommentRow, sqlx::Error> {
    Ok(CommentRow {
        id: r.try_get("id")?,
        document_id: r.try_get("document_id")?,
        author: person(r, "author_id", "author_name")?,
        body: r.try_get("body")?,
        created_at: r.try_get("created_at")?,
    })
}

/// A document's comments, oldest first (the document already read within scope).
pub async fn comments(
    conn: &mut AnyConnection,
    document_id: &str,
) -> Result<Vec<CommentRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.id, c.document_id, c.author_id, u.name AS author_name, c.body, c.created_at \
         FROM document_comments c LEFT JOIN users u ON u.id = c.author_id \
         WHERE c.document_id = $1 ORDER BY c.created_at, c.id LIMIT 1000",
    )
    .bind(document_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(comment_row).collect()
}

/// Records a comment and returns it as stored.
pub async fn insert_comment(
    conn: &mut AnyConnection,
    id: &str,
    document_id: &str,
    author_id: &str,
    body: &str,
    now: Micros,
) -> Result<CommentRow, sqlx::Error> {
    sqlx::query(
        "INSERT INTO document_comments (id, document_id, author_id, body, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(document_id)
    .bind(author_id)
    .bind(body)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query(
        "SELECT c.id, c.document_id, c.author_id, u.name AS author_name, c.body, c.created_at \
         FROM document_comments c LEFT JOIN users u ON u.id = c.author_id WHERE c.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    comment_row(&row)
}

/// File versions whose data key is wrapped by master key `master_key_id`, a batch at a
/// time: (document id, version, object key, wrapped key).
pub async fn versions_wrapped_by(
    conn: &mut AnyConnection,
    master_key_id: &str,
    limit: i64,
) -> Result<Vec<(String, i64, String, String)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT document_id, version, object_key, wrapped_key FROM document_versions \
         WHERE master_key_id = $1 ORDER BY document_id, version LIMIT $2",
    )
    .bind(master_key_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
        .collect()
}

/// How many file versions have a data key wrapped by neither of two master keys.
pub async fn versions_wrapped_by_neither(
    conn: &mut AnyConnection,
    a: &str,
    b: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM document_versions WHERE master_key_id <> $1 AND master_key_id <> $2",
    )
    .bind(a)
    .bind(b)
    .fetch_one(&mut *conn)
    .await
}

/// Replaces a version's wrapped key, if it is still wrapped by `old_master_key_id`.
pub async fn rewrap(
    conn: &mut AnyConnection,
    document_id: &str,
    version: i64,
    old_master_key_id: &str,
    wrapped_key: &str,
    master_key_id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE document_versions SET wrapped_key = $1, master_key_id = $2 \
         WHERE document_id = $3 AND version = $4 AND master_key_id = $5",
    )
    .bind(wrapped_key)
    .bind(master_key_id)
    .bind(document_id)
    .bind(version)
    .bind(old_master_key_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
