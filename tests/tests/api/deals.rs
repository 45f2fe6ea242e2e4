//! Deals and the pipeline: who sees which deal through every endpoint, what external users
//! never receive, paging, locked fields, concurrent edits and the stage rules.

use portcullis_shared::Role;
use portcullis_tests::demo::caller;
use portcullis_tests::{TestApp, assert_problem, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

async fn send(
    app: &TestApp,
    method: Method,
    token: Option<&str>,
    path: &str,
    body: Option<Value>,
    if_match: Option<&str>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    if let Some(m) = if_match {
        req = req.header("if-match", m);
    }
    req.send().await.expect("sent")
}

async fn json_of(res: reqwest::Response) -> Value {
    let status = res.status();
    let url = res.url().to_string();
    let body = res.text().await.expect("body");
    assert!(status.is_success(), "{url}: {status} {body}");
    serde_json::from_str(&body).expect("json")
}

/// The current `ETag` of a deal, as an administrator reads it.
async fn etag(app: &TestApp, admin: &str, id: &str) -> String {
    let res = app.get_as(admin, &format!("/api/v1/deals/{id}")).await;
    res.headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("an ETag")
        .to_owned()
}

/// Who may call a deal operation.
#[derive(Clone, Copy, PartialEq)]
enum Allowed {
    /// Anyone whose deal scope reaches something (every demo user by default).
    Anyone,
    /// Internal users.
    Staff,
    /// Administrators and managers.
    PipelineManagers,
}

impl Allowed {
    fn admits(self, role: Role) -> bool {
        match self {
            Allowed::Anyone => true,
            Allowed::Staff => role.is_internal(),
            Allowed::PipelineManagers => matches!(role, Role::Admin | Role::Manager),
        }
    }
}

/// Which object a case names.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Object {
    /// A deal the caller may see.
    Own,
    /// A deal the caller may not see (another account's, unshared, unlinked, not theirs).
    Foreign,
    /// Nothing.
    Missing,
}

struct DealCase {
    method: Method,
    /// `{deal}`, `{stage}`, `{account}`, `{contact}`, `{member}`, `{partner}` are replaced.
    path: &'static str,
    allowed: Allowed,
    ok: u16,
    body: fn(&str) -> Option<Value>,
}

fn none(_: &str) -> Option<Value> {
    None
}

fn dc(
    method: Method,
    path: &'static str,
    allowed: Allowed,
    ok: u16,
    body: fn(&str) -> Option<Value>,
) -> DealCase {
    DealCase {
        method,
        path,
        allowed,
        ok,
        body,
    }
}

/// Every deal operation; `operations` below feeds the API-wide coverage check.
fn deal_cases() -> Vec<DealCase> {
    use Allowed::*;
    vec![
        dc(Method::GET, "/api/v1/pipeline/stages", Anyone, 200, none),
        dc(Method::GET, "/api/v1/deals", Anyone, 200, none),
        dc(Method::GET, "/api/v1/deals/{deal}", Anyone, 200, none),
        dc(
            Method::GET,
            "/api/v1/deals/{deal}/timeline",
            Anyone,
            200,
            none,
        ),
        dc(
            Method::GET,
            "/api/v1/deals/{deal}/owner/photo",
            Anyone,
            200,
            none,
        ),
        dc(Method::GET, "/api/v1/pipeline/summary", Staff, 200, none),
        dc(Method::POST, "/api/v1/deals", Staff, 201, |who| {
            Some(json!({"account_id": "{account}", "name": format!("Matrix deal {who}")}))
        }),
        dc(Method::PATCH, "/api/v1/deals/{deal}", Staff, 200, |who| {
            Some(json!({"next_steps": format!("Next steps by {who}")}))
        }),
        dc(
            Method::POST,
            "/api/v1/deals/{deal}/notes",
            Staff,
            201,
            |who| Some(json!({"body": format!("Note by {who}"), "shared": false})),
        ),
        dc(
            Method::DELETE,
            "/api/v1/deals/{deal}/share",
            Staff,
            200,
            none,
        ),
        dc(
            Method::POST,
            "/api/v1/deals/{deal}/share",
            Staff,
            200,
            |_| Some(json!({"amount_shared": true, "invite_contacts": false})),
        ),
        dc(
            Method::POST,
            "/api/v1/deals/{deal}/contacts",
            Staff,
            200,
            |_| Some(json!({"contact_id": "{contact}"})),
        ),
        dc(
            Method::DELETE,
            "/api/v1/deals/{deal}/contacts/{contact}",
            Staff,
            204,
            none,
        ),
        dc(
            Method::POST,
            "/api/v1/deals/{deal}/team",
            Staff,
            200,
            |_| Some(json!({"user_id": "{member}"})),
        ),
        dc(
            Method::DELETE,
            "/api/v1/deals/{deal}/team/{member}",
            Staff,
            204,
            none,
        ),
        dc(
            Method::POST,
            "/api/v1/deals/{deal}/partners",
            Staff,
            200,
            |_| Some(json!({"account_id": "{partner}", "role": "influenced"})),
        ),
        dc(
            Method::DELETE,
            "/api/v1/deals/{deal}/partners/{partner}",
            Staff,
            204,
            none,
        ),
        dc(
            Method::GET,
            "/api/v1/contacts?account_id={account}",
            Staff,
            200,
            none,
        ),
        dc(Method::POST, "/api/v1/contacts", Staff, 201, |who| {
            Some(
                json!({"account_id": "{account}", "name": "Matrix Contact", "email": format!("{who}@contact.example")}),
            )
        }),
        dc(
            Method::POST,
            "/api/v1/pipeline/stages",
            PipelineManagers,
            201,
            |who| {
                Some(
                    json!({"name": format!("Matrix {who}"), "probability": 30, "category": "open"}),
                )
            },
        ),
        dc(
            Method::PATCH,
            "/api/v1/pipeline/stages/{stage}",
            PipelineManagers,
            200,
            |_| Some(json!({"probability": 35})),
        ),
        dc(
            Method::DELETE,
            "/api/v1/pipeline/stages/{stage_to_delete}",
            PipelineManagers,
            204,
            none,
        ),
    ]
}

/// The deal operations, as (method, path) for the API-wide coverage check.
pub fn operations() -> Vec<(String, String)> {
    deal_cases()
        .into_iter()
        .map(|c| (c.method.as_str().to_owned(), c.path.to_owned()))
        .collect()
}

/// For each role: a demo deal it may see, and one it may not (administrators and managers
/// see every deal).
fn own_and_foreign(role: Role) -> (&'static str, Option<&'static str>) {
    match role {
        Role::Admin | Role::Manager => ("demo-globex-rollout", None),
        // Partnered deals only.
        Role::ChannelManager => ("demo-globex-rollout", Some("demo-globex-support")),
        // Owned or on the team: the manager's own deal is not the rep's.
        Role::SalesRep => ("demo-globex-rollout", Some("matrix-manager-deal")),
        // Shared to Globex: not Initech's, not Globex's unshared one.
        Role::CustomerUser => ("demo-globex-rollout", Some("demo-initech-migration")),
        // Linked to Northwind: not Contoso's.
        Role::PartnerUser | Role::PartnerAdmin => {
            ("demo-globex-rollout", Some("demo-initech-migration"))
        }
    }
}

async fn every_deal_endpoint_answers_every_role_and_object(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(caller(Role::Admin)).await.token;
    let globex = app.account_id("Globex Corporation").await;
    let contoso = app.account_id("Contoso Resellers").await;
    let manager = app.user_id(caller(Role::Manager)).await;
    let member = app.user_id(caller(Role::ChannelManager)).await;
    // A deal the manager owns and the rep is not on.
    let created = json_of(
        send(
            &app,
            Method::POST,
            Some(&admin),
            "/api/v1/deals",
            Some(
                json!({"account_id": globex, "name": "Manager's own deal", "owner_id": manager,
                        "external_id": "matrix-manager-deal"}),
            ),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(created["owner"]["id"], manager.as_str());
    // A contact of Globex and the rep's photo (the deal page shows it).
    let contact = json_of(
        send(
            &app,
            Method::POST,
            Some(&admin),
            "/api/v1/contacts",
            Some(json!({"account_id": globex, "name": "Matrix Person", "email": "matrix.person@globex.example"})),
            None,
        )
        .await,
    )
    .await["id"]
        .as_str()
        .expect("contact id")
        .to_owned();
    let rep = app.session_for(caller(Role::SalesRep)).await.token;
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.extend_from_slice(&[0; 64]);
    let res = app
        .client
        .put(app.url("/api/v1/me/photo"))
        .bearer_auth(&rep)
        .header("content-type", "image/png")
        .body(png)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 204);
    let stage = json_of(
        send(
            &app,
            Method::POST,
            Some(&admin),
            "/api/v1/pipeline/stages",
            Some(json!({"name": "Matrix stage", "probability": 40, "category": "open"})),
            None,
        )
        .await,
    )
    .await["id"]
        .as_str()
        .expect("stage id")
        .to_owned();
    let ghost = "01900000-0000-7000-8000-000000000000";
    let mut checked = 0;
    let mut failures = Vec::new();
    for c in deal_cases() {
        for who in std::iter::once(None).chain(Role::ALL.into_iter().map(Some)) {
            let name = who.map_or("anonymous", |r| r.as_str());
            let names_deal = c.path.contains("{deal}");
            let names_object = c.path.contains('{');
            let objects: Vec<Object> = match who {
                Some(role) if names_deal => {
                    let mut o = vec![Object::Own, Object::Missing];
                    if own_and_foreign(role).1.is_some() {
                        o.push(Object::Foreign);
                    }
                    o
                }
                _ if names_object => vec![Object::Own, Object::Missing],
                _ => vec![Object::Own],
            };
            for object in objects {
                let token = match who {
                    Some(role) => Some(app.session_for(caller(role)).await.token),
                    None => None,
                };
                let deal = match (who, object) {
                    (_, Object::Missing) => ghost.to_owned(),
                    (Some(role), Object::Foreign) => {
                        app.demo_deal(own_and_foreign(role).1.expect("a foreign deal"))
                            .await
                    }
                    (Some(role), _) => app.demo_deal(own_and_foreign(role).0).await,
                    (None, _) => app.demo_deal("demo-globex-rollout").await,
                };
                // Each deletion of a stage gets its own stage.
                let stage_to_delete = if c.path.contains("{stage_to_delete}") {
                    let s = json_of(
                        send(
                            &app,
                            Method::POST,
                            Some(&admin),
                            "/api/v1/pipeline/stages",
                            Some(json!({"name": format!("Doomed {name} {object:?}"), "probability": 1, "category": "open"})),
                            None,
                        )
                        .await,
                    )
                    .await;
                    s["id"].as_str().expect("stage").to_owned()
                } else {
                    String::new()
                };
                let missing = object == Object::Missing;
                let pick = |real: &str| {
                    if missing && !names_deal {
                        ghost.to_owned()
                    } else {
                        real.to_owned()
                    }
                };
                let fill = |t: &str| {
                    t.replace("{deal}", &deal)
                        .replace("{stage_to_delete}", &pick(&stage_to_delete))
                        .replace("{stage}", &pick(&stage))
                        .replace("{account}", &pick(&globex))
                        .replace("{contact}", &contact)
                        .replace("{member}", &member)
                        .replace("{partner}", &contoso)
                };
                let body = (c.body)(&format!("{name}-{object:?}"))
                    .map(|b| serde_json::from_str::<Value>(&fill(&b.to_string())).expect("json"));
                let if_match = if c.method == Method::PATCH && names_deal {
                    Some(etag(&app, &admin, &app.demo_deal("demo-globex-rollout").await).await)
                } else {
                    None
                };
                let res = send(
                    &app,
                    c.method.clone(),
                    token.as_deref(),
                    &fill(c.path),
                    body,
                    if_match.as_deref(),
                )
                .await;
                let status = res.status().as_u16();
                let expected = match who {
                    None => 401,
                    Some(role) if !c.allowed.admits(role) => 403,
                    Some(_) if object != Object::Own => 404,
                    Some(_) => c.ok,
                };
                checked += 1;
                if status != expected {
                    let text = res.text().await.unwrap_or_default();
                    failures.push(format!(
                        "{} {} as {name} ({object:?}): {status}, expected {expected}: {}",
                        c.method,
                        c.path,
                        text.chars().take(200).collect::<String>()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} deal cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "deal authorization matrix: {} operations, {checked} cases",
        deal_cases().len()
    );
}

/// A unique marker planted in everything internal about a shared deal.
const MARKER: &str = "ZZQX-INTERNAL-7741";

async fn nothing_internal_reaches_customers_or_partners(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(caller(Role::Admin)).await.token;
    let id = app.demo_deal("demo-globex-rollout").await;
    let globex = app.account_id("Globex Corporation").await;
    // An internal note, an internal tag, a team member and an internal event (a contact
    // added) carry the marker.
    let res = app
        .post_as(
            &admin,
            &format!("/api/v1/deals/{id}/notes"),
            &json!({"body": format!("Discount floor {MARKER}"), "shared": false}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let tag = etag(&app, &admin, &id).await;
    let res = send(
        &app,
        Method::PATCH,
        Some(&admin),
        &format!("/api/v1/deals/{id}"),
        Some(
            json!({"internal_tags": [MARKER, "strategic"], "external_id": format!("crm-{MARKER}")}),
        ),
        Some(&tag),
    )
    .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    sqlx::query("UPDATE users SET name = $1 WHERE email_normalized = $2")
        .bind(format!("Tess {MARKER}"))
        .bind("channel@portcullis.example")
        .execute(&app.db.pool)
        .await
        .expect("renamed");
    let member = app.user_id(caller(Role::ChannelManager)).await;
    let res = app
        .post_as(
            &admin,
            &format!("/api/v1/deals/{id}/team"),
            &json!({"user_id": member}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let contact = json_of(
        app.post_as(
            &admin,
            "/api/v1/contacts",
            &json!({"account_id": globex, "name": format!("Quiet {MARKER}"), "email": "quiet@globex.example"}),
        )
        .await,
    )
    .await;
    let res = app
        .post_as(
            &admin,
            &format!("/api/v1/deals/{id}/contacts"),
            &json!({"contact_id": contact["id"]}),
        )
        .await;
    assert_eq!(res.status(), 200);
    // Staff see all of it.
    let inside = app
        .get_as(&admin, &format!("/api/v1/deals/{id}"))
        .await
        .text()
        .await
        .expect("body");
    assert!(inside.contains(MARKER), "staff see the internal fields");
    let inside = app
        .get_as(&admin, &format!("/api/v1/deals/{id}/timeline"))
        .await
        .text()
        .await
        .expect("body");
    assert!(inside.contains(MARKER), "staff see internal events");
    // Customers and partners: every endpoint they can reach, every variant.
    let paths = [
        "/api/v1/me".to_owned(),
        "/api/v1/pipeline/stages".to_owned(),
        "/api/v1/deals".to_owned(),
        "/api/v1/deals?sort=close_date".to_owned(),
        "/api/v1/deals?sort=amount&limit=1".to_owned(),
        "/api/v1/deals?q=rollout".to_owned(),
        format!("/api/v1/deals/{id}"),
        format!("/api/v1/deals/{id}/timeline"),
        format!("/api/v1/deals/{id}/timeline?limit=1"),
        format!("/api/v1/deals/{id}/owner/photo"),
    ];
    let mut searched = 0;
    for email in [
        "customer@globex.example",
        "partner@northwind.example",
        "partner-admin@northwind.example",
    ] {
        // A real sign-in, so that "changed since your last visit" is filled in too.
        let token = app.login_demo(email).await.token;
        let mut saw_deal = false;
        for path in &paths {
            let res = app.get_as(&token, path).await;
            let status = res.status().as_u16();
            let body = res.text().await.expect("body");
            assert!(status < 500, "{path} as {email}: {status}");
            if path.ends_with(&id) {
                assert_eq!(status, 200, "{email} sees the shared deal");
                saw_deal = true;
            }
            searched += 1;
            assert!(
                !body.contains(MARKER),
                "{path} as {email} leaked an internal marker: {body}"
            );
            for key in ["\"team\"", "\"internal_tags\"", "\"external_id\""] {
                assert!(!body.contains(key), "{path} as {email} sent {key}");
            }
        }
        assert!(saw_deal);
    }
    eprintln!("planted marker: {searched} responses searched, no hit");
}

async fn customers_see_amounts_only_when_allowed_and_shared(app: TestApp) {
    app.seed_demo().await;
    // Globex may see values; the rollout's amount is shared, the renewal's is not.
    let gloria = app.login_demo("customer@globex.example").await.token;
    let page = json_of(app.get_as(&gloria, "/api/v1/deals").await).await;
    let by_name = |page: &Value, name: &str| {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|d| d["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let rollout = by_name(&page, "Globex platform rollout");
    assert_eq!(rollout["amount"]["minor"], 12_000_000);
    assert_eq!(rollout["amount"]["currency"], "EUR");
    assert!(by_name(&page, "Globex support renewal")["amount"].is_null());
    // Globex's unshared deal and every Initech deal are absent.
    let names: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("Globex")));
    // What changed since the previous visit: the stage move and the shared note.
    let changes = rollout["changes"].as_array().expect("changes");
    assert!(
        changes
            .iter()
            .any(|c| c["summary"] == "Stage moved from Proposal to Negotiation"),
        "{changes:?}"
    );
    // Initech may not see values: the migration's shared amount stays hidden.
    let ian = app.login_demo("customer@initech.example").await.token;
    let page = json_of(app.get_as(&ian, "/api/v1/deals").await).await;
    let migration = by_name(&page, "Initech data migration");
    assert!(migration.is_object());
    assert!(migration["amount"].is_null());
    // The partner sees its deals' amounts; the rep is shown to customers with "View team
    // members" (the default).
    assert_eq!(rollout["owner"]["name"], "Remy Rep");
    // Without "View deal status" a customer has no deals at all.
    let admin = app.session_for(caller(Role::Admin)).await.token;
    let globex = app.account_id("Globex Corporation").await;
    let res = send(
        &app,
        Method::PUT,
        Some(&admin),
        "/api/v1/admin/permissions",
        Some(json!({"scope": "account", "scope_id": globex, "permission": "view_deal_status", "allowed": false})),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_problem(app.get_as(&gloria, "/api/v1/deals").await, 403, "forbidden").await;
    let id = app.demo_deal("demo-globex-rollout").await;
    assert_problem(
        app.get_as(&gloria, &format!("/api/v1/deals/{id}")).await,
        403,
        "forbidden",
    )
    .await;
}

async fn a_rep_shares_a_deal_and_invites_its_contacts_in_one_change(app: TestApp) {
    app.seed_demo().await;
    let rep = app.session_for(caller(Role::SalesRep)).await.token;
    let ian = app.login_demo("customer@initech.example").await.token;
    let id = app.demo_deal("demo-initech-security").await;
    assert_problem(
        app.get_as(&ian, &format!("/api/v1/deals/{id}")).await,
        404,
        "not_found",
    )
    .await;
    let initech = app.account_id("Initech").await;
    let contacts = json_of(
        app.get_as(&rep, &format!("/api/v1/contacts?account_id={initech}"))
            .await,
    )
    .await;
    let peter = contacts["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["email"] == "peter@initech.example")
        .expect("Peter")
        .clone();
    assert_eq!(peter["has_portal_account"], false);
    json_of(
        app.post_as(
            &rep,
            &format!("/api/v1/deals/{id}/contacts"),
            &json!({"contact_id": peter["id"]}),
        )
        .await,
    )
    .await;
    let outcome = json_of(
        app.post_as(
            &rep,
            &format!("/api/v1/deals/{id}/share"),
            &json!({"amount_shared": true, "invite_contacts": true}),
        )
        .await,
    )
    .await;
    assert_eq!(outcome["invited"], json!(["peter@initech.example"]));
    assert_eq!(outcome["deal"]["shared"], true);
    assert_eq!(outcome["deal"]["amount_shared"], true);
    // The customer now sees it; the invitation's email is queued with it.
    let seen = json_of(app.get_as(&ian, &format!("/api/v1/deals/{id}")).await).await;
    assert_eq!(seen["name"], "Initech security review");
    let user: Option<String> = sqlx::query_scalar(
        "SELECT status FROM users WHERE email_normalized = 'peter@initech.example'",
    )
    .fetch_optional(&app.db.pool)
    .await
    .expect("db");
    assert_eq!(user.as_deref(), Some("invited"));
    let trail = app.audit_trail().await;
    assert!(trail.iter().any(|(action, _)| action == "deal.share"));
}

async fn locked_fields_etags_and_stage_rules(app: TestApp) {
    app.seed_demo().await;
    let rep = app.session_for(caller(Role::SalesRep)).await.token;
    let admin = app.session_for(caller(Role::Admin)).await.token;
    let id = app.demo_deal("demo-globex-rollout").await;
    let path = format!("/api/v1/deals/{id}");
    // No If-Match: 428; a stale one: 412.
    let res = send(
        &app,
        Method::PATCH,
        Some(&rep),
        &path,
        Some(json!({"next_steps": "x"})),
        None,
    )
    .await;
    assert_problem(res, 428, "precondition_required").await;
    let res = send(
        &app,
        Method::PATCH,
        Some(&rep),
        &path,
        Some(json!({"next_steps": "x"})),
        Some("\"v999\""),
    )
    .await;
    assert_problem(res, 412, "precondition_failed").await;
    // Negotiation locks the contract fields for the rep: each one is named.
    let tag = etag(&app, &admin, &id).await;
    let res = send(
        &app,
        Method::PATCH,
        Some(&rep),
        &path,
        Some(json!({"amount": {"minor": 1, "currency": "EUR"}, "expected_close_date": "2030-01-01", "name": "Renamed"})),
        Some(&tag),
    )
    .await;
    let problem = assert_problem(res, 409, "field_locked").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["amount", "expected_close_date"]);
    // Nothing changed, and the attempt is in the audit log.
    let deal = json_of(app.get_as(&admin, &path).await).await;
    assert_eq!(deal["name"], "Globex platform rollout");
    assert_eq!(deal["amount"]["minor"], 12_000_000);
    portcullis_tests::eventually(60, "the refused attempt is audited", || async {
        app.audit_trail()
            .await
            .iter()
            .any(|(action, _)| action == "deal.update.locked")
    })
    .await;
    // The rep may still change what is not locked; an administrator may change the rest.
    let res = send(
        &app,
        Method::PATCH,
        Some(&rep),
        &path,
        Some(json!({"next_steps": "Signature on Friday"})),
        Some(&tag),
    )
    .await;
    assert_eq!(res.status(), 200);
    let new_tag = res.headers()["etag"].to_str().expect("etag").to_owned();
    assert_ne!(new_tag, tag);
    // The old ETag is stale now.
    let res = send(
        &app,
        Method::PATCH,
        Some(&admin),
        &path,
        Some(json!({"amount": {"minor": 13_000_000, "currency": "EUR"}})),
        Some(&tag),
    )
    .await;
    assert_problem(res, 412, "precondition_failed").await;
    let res = send(
        &app,
        Method::PATCH,
        Some(&admin),
        &path,
        Some(json!({"amount": {"minor": 13_000_000, "currency": "EUR"}})),
        Some(&new_tag),
    )
    .await;
    assert_eq!(res.status(), 200);
    // Bad input names each field and writes nothing.
    let tag = etag(&app, &admin, &id).await;
    let res = send(
        &app,
        Method::PATCH,
        Some(&admin),
        &path,
        Some(json!({"name": "", "expected_close_date": "31/12/2026", "stage_id": "nope", "owner_id": "nobody"})),
        Some(&tag),
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["expected_close_date", "name", "owner_id", "stage_id"]
    );
    assert_eq!(etag(&app, &admin, &id).await, tag);
    // A stage in use cannot be deleted; the answer says how many deals are at it.
    let stages = json_of(app.get_as(&admin, "/api/v1/pipeline/stages").await).await;
    let negotiation = stages["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["name"] == "Negotiation")
        .expect("Negotiation")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let res = send(
        &app,
        Method::DELETE,
        Some(&admin),
        &format!("/api/v1/pipeline/stages/{negotiation}"),
        None,
        None,
    )
    .await;
    let problem = assert_problem(res, 409, "conflict").await;
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .starts_with("1 deal is"),
        "{problem}"
    );
    // Renaming and reordering work; positions stay a sequence.
    let res = send(
        &app,
        Method::PATCH,
        Some(&admin),
        &format!("/api/v1/pipeline/stages/{negotiation}"),
        Some(json!({"name": "Contracting", "position": 2})),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    let stages = json_of(app.get_as(&admin, "/api/v1/pipeline/stages").await).await;
    let order: Vec<(&str, i64)> = stages["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or(""),
                s["position"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            ("Prospecting", 1),
            ("Contracting", 2),
            ("Qualification", 3),
            ("Proposal", 4),
            ("Closed won", 5),
            ("Closed lost", 6)
        ]
    );
    let res = send(
        &app,
        Method::POST,
        Some(&admin),
        "/api/v1/pipeline/stages",
        Some(json!({"name": "", "probability": 101, "category": "open", "position": 99})),
        None,
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"].as_array().expect("errors").len(), 3);
}

async fn paging_returns_every_visible_deal_once_under_concurrent_inserts(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(caller(Role::Admin)).await.token;
    let globex = app.account_id("Globex Corporation").await;
    let initech = app.account_id("Initech").await;
    let northwind = app.account_id("Northwind Partners").await;
    let nora = app.user_id("partner@northwind.example").await;
    // 30 more deals: a third linked to Northwind.
    for i in 0..30 {
        let account = if i % 2 == 0 { &globex } else { &initech };
        let deal = json_of(
            app.post_as(
                &admin,
                "/api/v1/deals",
                &json!({"account_id": account, "name": format!("Paged deal {i:02}"),
                        "amount": {"minor": (i % 7) * 1000, "currency": "USD"},
                        "expected_close_date": format!("2027-0{}-1{}", 1 + i % 9, i % 10)}),
            )
            .await,
        )
        .await;
        if i % 3 == 0 {
            json_of(
                app.post_as(
                    &admin,
                    &format!("/api/v1/deals/{}/partners", deal["id"].as_str().expect("id")),
                    &json!({"account_id": northwind, "role": "registered", "partner_user_id": nora}),
                )
                .await,
            )
            .await;
        }
    }
    let partner = app.session_for("partner@northwind.example").await.token;
    for (token, who) in [(&admin, "admin"), (&partner, "partner")] {
        for sort in ["updated", "close_date", "amount"] {
            let first = json_of(
                app.get_as(token, &format!("/api/v1/deals?limit=200&sort={sort}"))
                    .await,
            )
            .await;
            let all: Vec<String> = first["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|d| d["id"].as_str().expect("id").to_owned())
                .collect();
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            let mut n = 0;
            loop {
                let path = match &cursor {
                    Some(c) => format!("/api/v1/deals?limit=4&sort={sort}&cursor={c}"),
                    None => format!("/api/v1/deals?limit=4&sort={sort}"),
                };
                let page = json_of(app.get_as(token, &path).await).await;
                for d in page["items"].as_array().expect("items") {
                    seen.push(d["id"].as_str().expect("id").to_owned());
                }
                // Someone adds a deal between pages.
                n += 1;
                json_of(
                    app.post_as(
                        &admin,
                        "/api/v1/deals",
                        &json!({"account_id": globex, "name": format!("Concurrent {who} {sort} {n}")}),
                    )
                    .await,
                )
                .await;
                match page["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_owned()),
                    None => break,
                }
            }
            let unique: std::collections::HashSet<&String> = seen.iter().collect();
            assert_eq!(unique.len(), seen.len(), "{who} {sort}: a deal came twice");
            for id in &all {
                assert!(seen.contains(id), "{who} {sort}: {id} was skipped");
            }
            if who == "partner" {
                // Nothing foreign: every deal listed is linked to Northwind.
                for id in &seen {
                    let linked: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM deal_partners WHERE deal_id = $1 AND account_id = $2",
                    )
                    .bind(id)
                    .bind(&northwind)
                    .fetch_one(&app.db.pool)
                    .await
                    .expect("db");
                    assert_eq!(linked, 1, "partner saw a deal of another organisation");
                }
                assert_eq!(all.len(), 10 + 3, "Northwind's deals");
            }
        }
    }
    // A cursor of another sort, or garbage, is a 422 naming the cursor.
    let res = app
        .get_as(&admin, "/api/v1/deals?sort=amount&cursor=u.1.x")
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "cursor");
    let res = app
        .get_as(&partner, "/api/v1/deals?owner=someone&close_from=tomorrow")
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"].as_array().expect("errors").len(), 2);
}

async fn staff_filters_views_and_regions(app: TestApp) {
    app.seed_demo().await;
    let admin = app.session_for(caller(Role::Admin)).await.token;
    let rep_id = app.user_id(caller(Role::SalesRep)).await;
    let manager_id = app.user_id(caller(Role::Manager)).await;
    let initech = app.account_id("Initech").await;
    let contoso = app.account_id("Contoso Resellers").await;
    let count = |v: &Value| v["items"].as_array().map_or(0, Vec::len);
    let all = json_of(app.get_as(&admin, "/api/v1/deals").await).await;
    assert_eq!(count(&all), 7);
    let initech_deals = json_of(
        app.get_as(&admin, &format!("/api/v1/deals?account={initech}"))
            .await,
    )
    .await;
    assert_eq!(count(&initech_deals), 4);
    let contoso_deals = json_of(
        app.get_as(
            &admin,
            &format!("/api/v1/deals?partner={contoso}&account={initech}"),
        )
        .await,
    )
    .await;
    assert_eq!(count(&contoso_deals), 2);
    let named = json_of(app.get_as(&admin, "/api/v1/deals?q=MIGRATION").await).await;
    assert_eq!(count(&named), 1);
    let emea = json_of(app.get_as(&admin, "/api/v1/deals?region=EMEA").await).await;
    assert_eq!(count(&emea), 3);
    let owned = json_of(
        app.get_as(&admin, &format!("/api/v1/deals?owner={rep_id}"))
            .await,
    )
    .await;
    assert_eq!(count(&owned), 7);
    // The manager is on every demo deal's team but owns none.
    let manager = app.session_for(caller(Role::Manager)).await.token;
    let mine = json_of(app.get_as(&manager, "/api/v1/deals?view=mine").await).await;
    assert_eq!(count(&mine), 0);
    let team = json_of(app.get_as(&manager, "/api/v1/deals?view=team").await).await;
    assert_eq!(count(&team), 7);
    // The channel manager sees the five partnered deals; limited to NA, the four Initech ones.
    let channel = app.session_for(caller(Role::ChannelManager)).await.token;
    let partnered = json_of(app.get_as(&channel, "/api/v1/deals").await).await;
    assert_eq!(count(&partnered), 5);
    let channel_id = app.user_id(caller(Role::ChannelManager)).await;
    let res = send(
        &app,
        Method::PUT,
        Some(&admin),
        &format!("/api/v1/admin/users/{channel_id}/regions"),
        Some(json!({"regions": ["NA"]})),
        None,
    )
    .await;
    let user = json_of(res).await;
    assert_eq!(user["regions"], json!(["NA"]));
    // The next request already uses the limit.
    let limited = json_of(app.get_as(&channel, "/api/v1/deals").await).await;
    assert_eq!(count(&limited), 4);
    let globex_deal = app.demo_deal("demo-globex-rollout").await;
    assert_problem(
        app.get_as(&channel, &format!("/api/v1/deals/{globex_deal}"))
            .await,
        404,
        "not_found",
    )
    .await;
    // Regions apply to internal users only.
    let gloria = app.user_id("customer@globex.example").await;
    let res = send(
        &app,
        Method::PUT,
        Some(&admin),
        &format!("/api/v1/admin/users/{gloria}/regions"),
        Some(json!({"regions": ["EMEA"]})),
        None,
    )
    .await;
    assert_problem(res, 422, "validation_failed").await;
    // Moving the account to another region moves its deals.
    let res = send(
        &app,
        Method::PATCH,
        Some(&admin),
        &format!("/api/v1/admin/accounts/{initech}"),
        Some(json!({"region": "LATAM"})),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    let limited = json_of(app.get_as(&channel, "/api/v1/deals").await).await;
    assert_eq!(count(&limited), 0);
    // A partner organisation set to "own deals only": its users see what they are
    // responsible for, its administrators still everything.
    let northwind = app.account_id("Northwind Partners").await;
    let res = send(
        &app,
        Method::PATCH,
        Some(&admin),
        &format!("/api/v1/admin/accounts/{northwind}"),
        Some(json!({"partner_deal_visibility": "own"})),
        None,
    )
    .await;
    assert_eq!(json_of(res).await["partner_deal_visibility"], "own");
    let nora = app.session_for("partner@northwind.example").await.token;
    let ned = app
        .session_for("partner-admin@northwind.example")
        .await
        .token;
    assert_eq!(
        count(&json_of(app.get_as(&nora, "/api/v1/deals").await).await),
        3
    );
    let res = app
        .post_as(
            &admin,
            &format!("/api/v1/deals/{globex_deal}/partners"),
            &json!({"account_id": northwind, "role": "co_sell"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        count(&json_of(app.get_as(&nora, "/api/v1/deals").await).await),
        2
    );
    assert_eq!(
        count(&json_of(app.get_as(&ned, "/api/v1/deals").await).await),
        3
    );
    let _ = manager_id;
}

on_both_backends!(
    every_deal_endpoint_answers_every_role_and_object,
    nothing_internal_reaches_customers_or_partners,
    customers_see_amounts_only_when_allowed_and_shared,
    a_rep_shares_a_deal_and_invites_its_contacts_in_one_change,
    locked_fields_etags_and_stage_rules,
    paging_returns_every_visible_deal_once_under_concurrent_inserts,
    staff_filters_views_and_regions,
);
