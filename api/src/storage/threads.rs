//! Deal threads, strategy notes and the deal facts the co-selling workspace shows. Every
//! read joins the item's deal as `d` and renders the caller's `CollabScope` into the
//! statement; internal posts are excluded in SQL for anyone outside the company.

use portcullis_shared::collab::{Audience, Side};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::storage::{CollabScope, Sql, flag};
use crate::time::Micros;

/// A deal as the collaboration features need it.
#[derive(Debug, Clone)]
pub struct DealHead {
    pub id: String,
    pub name: String,
    pub account_id: String,
    pub owner_id: String,
    pub stage_name: String,
    pub expected_close_date: Option<String>,
    pub shared: bool,
    pub co_sold: bool,
}

/// The deal `id` if the scope reaches it.
pub async fn deal(
    conn: &mut AnyConnection,
    scope: &CollabScope,
    id: &str,
) -> Result<Option<DealHead>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT d.id, d.name, d.account_id, d.owner_id, s.name AS stage_name, d.expected_close_date, d.shared, \
         (SELECT COUNT(*) FROM deal_partners cp WHERE cp.deal_id = d.id AND cp.role = 'co_sell') AS co_sellers \
         FROM deals d JOIN pipeline_stages s ON s.id = d.stage_id WHERE d.id = ",
    );
    sql.bind(id);
    scope.restrict_deal(&mut sql);
    let Some(r) = sql.query().fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    Ok(Some(DealHead {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        account_id: r.try_get("account_id")?,
        owner_id: r.try_get("owner_id")?,
        stage_name: r.try_get("stage_name")?,
        expected_close_date: r.try_get("expected_close_date")?,
        shared: flag(r.try_get("shared")?),
        co_sold: r.try_get::<i64, _>("co_sellers")? > 0,
    }))
}

/// A post to store.
pub struct NewPost<'a> {
    pub id: &'a str,
    pub deal_id: &'a str,
    pub audience: Audience,
    pub author_id: &'a str,
    pub author_side: Side,
    pub body: &'a str,
    pub body_public: &'a str,
    pub body_html: &'a str,
    pub internal: bool,
    pub created_at: Micros,
}

pub fn side_str(side: Side) -> &'static str {
    match side {
        Side::Company => "company",
        Side::Customer => "customer",
        Side::Partner => "partner",
    }
}

pub fn parse_side(s: &str) -> Side {
    match s {
        "customer" => Side::Customer,
        "partner" => Side::Partner,
        _ => Side::Company,
    }
}

pub async fn insert_post(conn: &mut AnyConnection, p: &NewPost<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO thread_posts (id, deal_id, audience, author_id, author_side, body, body_public, body_html, \
         internal, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(p.id)
    .bind(p.deal_id)
    .bind(p.audience.as_str())
    .bind(p.author_id)
    .bind(side_str(p.author_side))
    .bind(p.body)
    .bind(p.body_public)
    .bind(p.body_html)
    .bind(p.internal as i64)
    .bind(p.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn insert_mention(
    conn: &mut AnyConnection,
    post_id: &str,
    user_id: &str,
    name: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO post_mentions (post_id, user_id, name) VALUES ($1, $2, $3)")
        .bind(post_id)
        .bind(user_id)
        .bind(name)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A post as stored, with its author's name.
#[derive(Debug, Clone)]
pub struct PostRow {
    pub id: String,
    pub deal_id: String,
    pub audience: Audience,
    pub author_id: String,
    pub author_name: String,
    pub author_side: Side,
    pub body: String,
    pub body_public: String,
    pub body_html: String,
    pub internal: bool,
    pub created_at: Micros,
}

fn post(r: &AnyRow) -> Result<PostRow, sqlx::Error> {
    Ok(PostRow {
        id: r.try_get("id")?,
        deal_id: r.try_get("deal_id")?,
        audience: Audience::parse(&r.try_get::<String, _>("audience")?)
            .unwrap_or(Audience::Internal),
        author_id: r.try_get("author_id")?,
        author_name: r.try_get("author_name")?,
        author_side: parse_side(&r.try_get::<String, _>("author_side")?),
        body: r.try_get("body")?,
        body_public: r.try_get("body_public")?,
        body_html: r.try_get("body_html")?,
        internal: flag(r.try_get("internal")?),
        created_at: r.try_get("created_at")?,
    })
}

/// Appends the thread rule: the caller's audiences on deals in reach, and no internal
/// notes for anyone outside the company.
fn restrict_posts(sql: &mut Sql, scope: &CollabScope) {
    scope.restrict(sql, "p.audience");
    if scope.side() != Side::Company {
        sql.push(" AND p.internal = 0");
    }
}

/// A thread's posts the caller may read, newest first, older than the post `before`.
pub async fn posts(
    conn: &mut AnyConnection,
    scope: &CollabScope,
    deal_id: &str,
    audience: Audience,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<PostRow>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT p.id, p.deal_id, p.audience, p.author_id, u.name AS author_name, p.author_side, p.body, \
         p.body_public, p.body_html, p.internal, p.created_at \
         FROM thread_posts p JOIN deals d ON d.id = p.deal_id JOIN users u ON u.id = p.author_id \
         WHERE p.deal_id = ",
    );
    sql.bind(deal_id)
        .push(" AND p.audience = ")
        .bind(audience.as_str());
    restrict_posts(&mut sql, scope);
    if let Some(b) = before {
        sql.push(" AND p.id < ").bind(b);
    }
    sql.push(" ORDER BY p.id DESC LIMIT ").bind(limit);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(post).collect()
}

/// The people each of `post_ids` mentions: (post id, user id, name).
pub async fn mentions_of(
    conn: &mut AnyConnection,
    post_ids: &[String],
) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    if post_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT post_id, user_id, name FROM post_mentions WHERE post_id IN ");
    sql.bind_list(post_ids).push(" ORDER BY name");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("post_id")?,
                r.try_get("user_id")?,
                r.try_get("name")?,
            ))
        })
        .collect()
}

/// The documents attached to each of `post_ids` that the caller may still read (a document
/// made internal since drops out of external readers' posts): (post id, document id).
pub async fn attachments_of(
    conn: &mut AnyConnection,
    post_ids: &[String],
    audiences: &[Audience],
) -> Result<Vec<(String, String)>, sqlx::Error> {
    if post_ids.is_empty() {
        return Ok(Vec::new());
    }
    let audiences: Vec<String> = audiences.iter().map(|a| a.as_str().to_owned()).collect();
    let mut sql = Sql::new(
        "SELECT pa.post_id, pa.document_id FROM post_attachments pa \
         JOIN documents dc ON dc.id = pa.document_id WHERE pa.post_id IN ",
    );
    sql.bind_list(post_ids)
        .push(" AND dc.audience IN ")
        .bind_list(&audiences)
        .push(" ORDER BY pa.document_id");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("post_id")?, r.try_get("document_id")?)))
        .collect()
}

/// The audiences of those of `ids` that are documents of `deal_id`: (document id, audience).
pub async fn deal_documents(
    conn: &mut AnyConnection,
    deal_id: &str,
    ids: &[String],
) -> Result<Vec<(String, String)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT id, audience FROM documents WHERE deal_id = ");
    sql.bind(deal_id).push(" AND id IN ").bind_list(ids);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("audience")?)))
        .collect()
}

/// Attaches a document to a post.
pub async fn insert_attachment(
    conn: &mut AnyConnection,
    post_id: &str,
    document_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO post_attachments (post_id, document_id) VALUES ($1, $2)")
        .bind(post_id)
        .bind(document_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Per thread of the deal the caller reads: posts, unread posts by others, last post time.
pub async fn summaries(
    conn: &mut AnyConnection,
    scope: &CollabScope,
    deal_id: &str,
    user_id: &str,
) -> Result<Vec<(Audience, i64, i64, Option<Micros>)>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT p.audience, COUNT(*) AS posts, MAX(p.created_at) AS last_at, \
         SUM(CASE WHEN p.author_id <> ",
    );
    sql.bind(user_id).push(
        " AND p.created_at > COALESCE(r.read_at, 0) THEN 1 ELSE 0 END) AS unread \
         FROM thread_posts p JOIN deals d ON d.id = p.deal_id \
         LEFT JOIN thread_reads r ON r.deal_id = p.deal_id AND r.audience = p.audience AND r.user_id = ",
    );
    sql.bind(user_id).push(" WHERE p.deal_id = ").bind(deal_id);
    restrict_posts(&mut sql, scope);
    sql.push(" GROUP BY p.audience");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok((
                Audience::parse(&r.try_get::<String, _>("audience")?).unwrap_or(Audience::Internal),
                r.try_get("posts")?,
                r.try_get::<Option<i64>, _>("unread")?.unwrap_or(0),
                r.try_get("last_at")?,
            ))
        })
        .collect()
}

/// Marks a thread read for a user up to `at`.
pub async fn mark_read(
    conn: &mut AnyConnection,
    deal_id: &str,
    audience: Audience,
    user_id: &str,
    at: Micros,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO thread_reads (deal_id, audience, user_id, read_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (deal_id, audience, user_id) DO UPDATE SET read_at = excluded.read_at",
    )
    .bind(deal_id)
    .bind(audience.as_str())
    .bind(user_id)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Active internal users among `ids`: (id, name).
pub async fn internal_users(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<(String, String)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT id, name FROM users WHERE status = 'active' \
         AND role IN ('admin', 'manager', 'channel_manager', 'sales_rep') AND id IN ",
    );
    sql.bind_list(ids);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect()
}

/// The company's people on a deal: its owner first, then its team.
pub async fn company_people(
    conn: &mut AnyConnection,
    deal_id: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.name, 0 AS pos FROM deals d JOIN users u ON u.id = d.owner_id WHERE d.id = $1 \
         UNION SELECT u.id, u.name, 1 AS pos FROM deal_team t JOIN users u ON u.id = t.user_id \
         WHERE t.deal_id = $1 AND u.status = 'active' ORDER BY pos, name",
    )
    .bind(deal_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<(String, String)> = Vec::new();
    for r in &rows {
        let id: String = r.try_get("id")?;
        if !out.iter().any(|(o, _)| *o == id) {
            out.push((id, r.try_get("name")?));
        }
    }
    Ok(out)
}

/// An external participant of a deal, with what their permissions are resolved from.
#[derive(Debug, Clone)]
pub struct ExternalPerson {
    pub id: String,
    pub name: String,
    pub portal_id: String,
    pub account_id: String,
}

/// The external people of one side of a deal: the customer account's active users (when
/// the deal is shared), or the active users of its co-selling organisations.
pub async fn side_people(
    conn: &mut AnyConnection,
    deal_id: &str,
    side: Side,
) -> Result<Vec<ExternalPerson>, sqlx::Error> {
    let q = match side {
        Side::Customer => {
            "SELECT u.id, u.name, u.portal_id, u.account_id FROM deals d JOIN users u ON u.account_id = d.account_id \
             WHERE d.id = $1 AND d.shared = 1 AND u.role = 'customer_user' AND u.status = 'active' ORDER BY u.name"
        }
        Side::Partner => {
            "SELECT u.id, u.name, u.portal_id, u.account_id FROM deal_partners dp JOIN users u ON u.account_id = dp.account_id \
             WHERE dp.deal_id = $1 AND dp.role = 'co_sell' AND u.status = 'active' \
             AND u.role IN ('partner_user', 'partner_admin') ORDER BY u.name"
        }
        Side::Company => return Ok(Vec::new()),
    };
    let rows = sqlx::query(q).bind(deal_id).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(ExternalPerson {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                portal_id: r.try_get("portal_id")?,
                account_id: r.try_get("account_id")?,
            })
        })
        .collect()
}

/// Whether `user_id` is an active user of an organisation co-selling the deal.
pub async fn is_co_seller_user(
    conn: &mut AnyConnection,
    deal_id: &str,
    user_id: &str,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM deal_partners dp JOIN users u ON u.account_id = dp.account_id \
         WHERE dp.deal_id = $1 AND dp.role = 'co_sell' AND u.id = $2 AND u.status = 'active'",
    )
    .bind(deal_id)
    .bind(user_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

// ---------------------------------------------------------------------------------------
// Strategy notes

/// A strategy note as stored, with its author's name.
#[derive(Debug, Clone)]
pub struct NoteRow {
    pub id: String,
    pub deal_id: String,
    pub author_id: String,
    pub author_name: String,
    pub author_side: Side,
    pub body: String,
    pub created_at: Micros,
}

pub async fn insert_note(
    conn: &mut AnyConnection,
    id: &str,
    deal_id: &str,
    author_id: &str,
    side: Side,
    body: &str,
    at: Micros,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO strategy_notes (id, deal_id, author_id, author_side, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(deal_id)
    .bind(author_id)
    .bind(side_str(side))
    .bind(body)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A co-sold deal's strategy notes, newest first. Strategy notes have the audience
/// `partner`: the scope keeps customers out in SQL.
pub async fn notes(
    conn: &mut AnyConnection,
    scope: &CollabScope,
    deal_id: &str,
    limit: i64,
) -> Result<Vec<NoteRow>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT n.id, n.deal_id, n.author_id, u.name AS author_name, n.author_side, n.body, n.created_at \
         FROM strategy_notes n JOIN deals d ON d.id = n.deal_id JOIN users u ON u.id = n.author_id \
         WHERE n.deal_id = ",
    );
    sql.bind(deal_id);
    scope.restrict(&mut sql, "'partner'");
    sql.push(" ORDER BY n.id DESC LIMIT ").bind(limit);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(NoteRow {
                id: r.try_get("id")?,
                deal_id: r.try_get("deal_id")?,
                author_id: r.try_get("author_id")?,
                author_name: r.try_get("author_name")?,
                author_side: parse_side(&r.try_get::<String, _>("author_side")?),
                body: r.try_get("body")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// A deal's events shared with externals, newest first: (id, at, kind, actor, body, details).
pub async fn shared_events(
    conn: &mut AnyConnection,
    scope: &CollabScope,
    deal_id: &str,
    limit: i64,
) -> Result<Vec<crate::storage::deals::EventRow>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT e.id, e.deal_id, e.at, e.kind, e.shared, u.name AS actor_name, e.body, e.details \
         FROM deal_events e JOIN deals d ON d.id = e.deal_id LEFT JOIN users u ON u.id = e.actor_id \
         WHERE e.shared = 1 AND e.deal_id = ",
    );
    sql.bind(deal_id);
    scope.restrict_deal(&mut sql);
    sql.push(" ORDER BY e.at DESC, e.id DESC LIMIT ")
        .bind(limit);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter().map(crate::storage::deals::event_row).collect()
}

/// One post by id, with its author's name (for the post just written).
pub async fn post_by_id(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<PostRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT p.id, p.deal_id, p.audience, p.author_id, u.name AS author_name, p.author_side, p.body, \
         p.body_public, p.body_html, p.internal, p.created_at \
         FROM thread_posts p JOIN users u ON u.id = p.author_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(post).transpose()
}
