//! The authorization matrix: every endpoint × every role (and anonymous) × an existing object
//! and a missing one → the expected status. Forbidden functions answer 403, objects a caller
//! may not see answer 404, and no credentials answer 401.

use portcullis::storage::{access_requests, jobs, users};
use portcullis_shared::Role;
use portcullis_tests::demo::caller;
use portcullis_tests::{TestApp, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

/// Who may call an endpoint.
#[derive(Clone, Copy)]
enum Allowed {
    /// Any signed-in user.
    Anyone,
    /// Internal users.
    Staff,
    /// Administrators and managers.
    PortalManagers,
    /// Administrators.
    Admins,
    /// Administrators, and partner administrators within their own organisation (the object
    /// under test belongs to another account, so they get 404 for it).
    UserManagers,
}

impl Allowed {
    fn admits(self, role: Role) -> bool {
        match self {
            Allowed::Anyone => true,
            Allowed::Staff => role.is_internal(),
            Allowed::PortalManagers => matches!(role, Role::Admin | Role::Manager),
            Allowed::Admins => role == Role::Admin,
            Allowed::UserManagers => matches!(role, Role::Admin | Role::PartnerAdmin),
        }
    }
}

struct Ids {
    portal: String,
    account: String,
    other_account: String,
    target_user: String,
    /// A live session of the target user.
    session: String,
    /// Two pending access requests: one to approve, one to reject.
    requests: [String; 2],
    /// A dead job, for the retry.
    job: String,
}

struct Case {
    method: Method,
    /// `{portal}`, `{account}`, `{user}`, `{session}`, `{request}`, `{request2}` are replaced
    /// by the object under test. A body that is a JSON string is sent as `text/csv`.
    path: &'static str,
    body: fn(&str) -> Option<Value>,
    allowed: Allowed,
    ok: u16,
    /// Whether the path names an object, so a missing one can be tried.
    has_object: bool,
}

fn case(
    method: Method,
    path: &'static str,
    allowed: Allowed,
    ok: u16,
    body: fn(&str) -> Option<Value>,
) -> Case {
    let has_object = path.contains('{');
    Case {
        method,
        path,
        body,
        allowed,
        ok,
        has_object,
    }
}

/// The body marker of a case that uploads a small PNG image.
const PNG: &str = "(a PNG image)";

fn none(_: &str) -> Option<Value> {
    None
}

fn cases() -> Vec<Case> {
    use Allowed::*;
    vec![
        case(Method::GET, "/api/v1/me", Anyone, 200, none),
        case(Method::GET, "/api/v1/admin/portals", Staff, 200, none),
        case(
            Method::GET,
            "/api/v1/admin/portals/{portal}",
            Staff,
            200,
            none,
        ),
        case(
            Method::POST,
            "/api/v1/admin/portals",
            PortalManagers,
            201,
            |who| {
                Some(json!({
                    "slug": format!("matrix-{who}"), "name": "Matrix", "type": "partner",
                    "branding": {"primary_color": "#123456", "background_color": "#ffffff", "logo_url": null, "favicon_url": null, "login_image_url": null, "email_header_url": null}
                }))
            },
        ),
        case(
            Method::PATCH,
            "/api/v1/admin/portals/{portal}",
            PortalManagers,
            200,
            |_| Some(json!({"name": "Acme Customer Hub"})),
        ),
        case(Method::GET, "/api/v1/admin/accounts", Staff, 200, none),
        case(
            Method::GET,
            "/api/v1/admin/accounts/{account}",
            Staff,
            200,
            none,
        ),
        case(
            Method::POST,
            "/api/v1/admin/accounts",
            PortalManagers,
            201,
            |who| Some(json!({"type": "customer", "name": format!("Matrix {who}")})),
        ),
        case(
            Method::PATCH,
            "/api/v1/admin/accounts/{account}",
            PortalManagers,
            200,
            |_| Some(json!({"region": "EMEA"})),
        ),
        case(Method::GET, "/api/v1/admin/users", UserManagers, 200, none),
        case(
            Method::GET,
            "/api/v1/admin/users/{user}",
            UserManagers,
            200,
            none,
        ),
        // Before the deactivation below ends every session of the target.
        case(
            Method::DELETE,
            "/api/v1/admin/users/{user}/sessions/{session}",
            UserManagers,
            204,
            none,
        ),
        case(
            Method::POST,
            "/api/v1/admin/users/{user}/deactivate",
            UserManagers,
            200,
            none,
        ),
        case(
            Method::POST,
            "/api/v1/admin/users/{user}/reactivate",
            UserManagers,
            200,
            none,
        ),
        case(
            Method::POST,
            "/api/v1/admin/users/{user}/transfer",
            Admins,
            200,
            |_| Some(json!({"account_id": "{other_account}"})),
        ),
        case(
            Method::PUT,
            "/api/v1/admin/users/{user}/access-expiry",
            Admins,
            200,
            |_| Some(json!({"access_expires_at": null})),
        ),
        case(
            Method::PUT,
            "/api/v1/admin/users/{user}/regions",
            Admins,
            200,
            |_| Some(json!({"regions": []})),
        ),
        case(
            Method::GET,
            "/api/v1/admin/users/{user}/sessions",
            UserManagers,
            200,
            none,
        ),
        case(
            Method::GET,
            "/api/v1/admin/permissions?portal_id={portal}",
            Admins,
            200,
            none,
        ),
        case(
            Method::PUT,
            "/api/v1/admin/permissions",
            Admins,
            200,
            |_| {
                Some(
                    json!({"scope": "account", "scope_id": "{account}", "permission": "view_deal_value", "allowed": true}),
                )
            },
        ),
        case(Method::GET, "/api/v1/admin/audit", Admins, 200, none),
        case(
            Method::GET,
            "/api/v1/admin/audit/export.csv",
            Admins,
            200,
            none,
        ),
        case(Method::GET, "/api/v1/admin/audit/verify", Admins, 200, none),
        case(
            Method::POST,
            "/api/v1/admin/invitations",
            UserManagers,
            200,
            |who| {
                Some(
                    json!({"emails": [format!("{who}@invitee.example")], "role": "customer_user", "account_id": "{account}", "portal_id": "{portal}"}),
                )
            },
        ),
        case(
            Method::POST,
            "/api/v1/admin/users/{user}/resend-invitation",
            UserManagers,
            409,
            none,
        ),
        case(Method::GET, "/api/v1/admin/outbox", Admins, 200, none),
        case(Method::PATCH, "/api/v1/me/profile", Anyone, 200, |_| {
            Some(json!({"title": "Tester"}))
        }),
        case(Method::PUT, "/api/v1/me/notifications", Anyone, 200, |_| {
            Some(
                json!({"deal_updates": true, "new_messages": true, "shared_documents": true, "request_updates": true, "weekly_digest": false}),
            )
        }),
        case(Method::POST, "/api/v1/me/onboarding", Anyone, 200, |_| {
            Some(json!({"tour_skipped": false}))
        }),
        case(Method::GET, "/api/v1/me/photo", Anyone, 404, none),
        case(Method::PUT, "/api/v1/me/photo", Anyone, 204, |_| {
            Some(Value::String(PNG.into()))
        }),
        case(
            Method::GET,
            "/api/v1/admin/access-requests",
            Admins,
            200,
            none,
        ),
        case(
            Method::POST,
            "/api/v1/admin/users/{user}/view-as",
            Admins,
            200,
            none,
        ),
        case(
            Method::POST,
            "/api/v1/admin/users/deactivate",
            Admins,
            200,
            |_| Some(json!({"user_ids": ["{user}"]})),
        ),
        case(
            Method::POST,
            "/api/v1/admin/users/{user}/reactivate",
            UserManagers,
            200,
            none,
        ),
        case(
            Method::POST,
            "/api/v1/admin/access-requests/{request}/approve",
            Admins,
            200,
            |_| Some(json!({"account_id": "{other_account}", "role": "customer_user"})),
        ),
        case(
            Method::POST,
            "/api/v1/admin/access-requests/{request2}/reject",
            Admins,
            200,
            |_| Some(json!({"reason": "Not a customer of ours"})),
        ),
        Case {
            // The account and portal are query parameters: a missing one is a 422, tried in
            // the invitation tests.
            has_object: false,
            ..case(
                Method::POST,
                "/api/v1/admin/invitations/import?role=customer_user&account_id={account}&portal_id={portal}",
                Admins,
                200,
                |who| {
                    Some(Value::String(format!(
                        "email,name\nmatrix-{who}@csv.example,Matrix {who}\n"
                    )))
                },
            )
        },
        case(Method::GET, "/api/v1/admin/jobs", Admins, 200, none),
        case(
            Method::POST,
            "/api/v1/admin/jobs/{job}/retry",
            Admins,
            200,
            none,
        ),
        case(Method::POST, "/api/v1/auth/logout-all", Anyone, 204, none),
        case(Method::POST, "/api/v1/auth/logout", Anyone, 204, none),
    ]
}

fn fill(template: &str, ids: &Ids, missing: bool) -> String {
    let ghost = "01900000-0000-7000-8000-000000000000";
    let pick = |real: &str| {
        if missing {
            ghost.to_owned()
        } else {
            real.to_owned()
        }
    };
    template
        .replace("{portal}", &pick(&ids.portal))
        .replace("{account}", &pick(&ids.account))
        .replace("{other_account}", &ids.other_account)
        .replace("{user}", &pick(&ids.target_user))
        .replace("{session}", &ids.session)
        .replace("{request2}", &pick(&ids.requests[1]))
        .replace("{request}", &pick(&ids.requests[0]))
        .replace("{job}", &pick(&ids.job))
}

/// A job that has failed its last attempt.
async fn dead_job(app: &TestApp) -> String {
    let later = portcullis::time::now() + 3_600_000_000;
    jobs::enqueue(
        &mut *app.conn().await,
        &jobs::NewJob {
            kind: "report.unknown",
            payload: json!({}),
            run_at: later,
            max_attempts: 1,
            dedupe_key: Some("matrix-dead-job".into()),
        },
    )
    .await
    .expect("enqueued");
    sqlx::query(
        "UPDATE jobs SET state = 'dead', attempts = 1 WHERE dedupe_key = 'matrix-dead-job'",
    )
    .execute(&app.db.pool)
    .await
    .expect("dead");
    sqlx::query_scalar("SELECT id FROM jobs WHERE dedupe_key = 'matrix-dead-job'")
        .fetch_one(&app.db.pool)
        .await
        .expect("the job")
}

/// Operations anyone may call, signed in or not, so no caller is refused: signing in and
/// refreshing, a portal's public face and its access requests, invitation links, the receipt
/// keys and the receipt verifier, and the operational endpoints. Every other operation of the OpenAPI document must have a case.
const PUBLIC: &[(&str, &str)] = &[
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("GET", "/api/v1/portals/{slug}/public"),
    ("POST", "/api/v1/portals/{slug}/access-requests"),
    ("GET", "/api/v1/invitations/{token}"),
    ("POST", "/api/v1/invitations/{token}/accept"),
    ("GET", "/api/v1/receipt-keys"),
    ("POST", "/api/v1/receipts/verify"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
];

/// A case's path as the OpenAPI document writes it: no query, `{id}`-style parameters.
fn spec_path(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    path.split('/')
        .map(|seg| if seg.starts_with('{') { "{}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_operation_of_the_api_has_a_case() {
    let spec = serde_json::to_value(portcullis::openapi::spec()).expect("the spec");
    let covered: std::collections::HashSet<(String, String)> = cases()
        .iter()
        .map(|c| (c.method.as_str().to_owned(), spec_path(c.path)))
        .chain(PUBLIC.iter().map(|(m, p)| ((*m).to_owned(), spec_path(p))))
        // Deals answer by object as well as by role: their matrix is in `deals.rs`.
        .chain(
            crate::deals::operations()
                .into_iter()
                .chain(crate::registrations::operations())
                .chain(crate::commissions::operations())
                .chain(crate::threads::operations())
                .chain(crate::requests::operations())
                .chain(crate::meetings::operations())
                .chain(crate::documents::operations())
                .map(|(m, p)| (m, spec_path(&p))),
        )
        .collect();
    let mut missing = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in ["get", "put", "post", "patch", "delete"] {
            if item.get(method).is_some() {
                let key = (method.to_uppercase(), spec_path(path));
                if !covered.contains(&key) {
                    missing.push(format!("{} {path}", key.0));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "operations without an authorization case:\n{}",
        missing.join("\n")
    );
}

async fn every_endpoint_answers_every_role_as_the_matrix_says(app: TestApp) {
    app.seed_demo().await;
    let target = users::find_by_email(&mut *app.conn().await, "customer@initech.example")
        .await
        .expect("db")
        .expect("user");
    let ids = Ids {
        portal: app.portal_id("acme").await,
        account: target.account_id.clone().expect("account"),
        other_account: app.account_id("Globex Corporation").await,
        target_user: target.id.clone(),
        session: String::new(),
        requests: [String::new(), String::new()],
        job: dead_job(&app).await,
    };
    let admin = app.session_for(caller(Role::Admin)).await;
    app.session_for("customer@initech.example").await;
    let sessions: Value = app
        .get_as(
            &admin.token,
            &format!("/api/v1/admin/users/{}/sessions", target.id),
        )
        .await
        .json()
        .await
        .expect("json");
    let session = sessions["items"][0]["id"]
        .as_str()
        .expect("a session")
        .to_owned();
    for email in ["first@applicant.example", "second@applicant.example"] {
        access_requests::create(
            &mut *app.conn().await,
            &ids.portal,
            email,
            "Applicant",
            "Applicant Ltd",
            None,
        )
        .await
        .expect("request");
    }
    let pending = access_requests::list(
        &mut *app.conn().await,
        portcullis::storage::CompanyScope::All,
        portcullis_shared::admin::AccessRequestStatus::Pending,
    )
    .await
    .expect("db");
    let ids = Ids {
        session,
        requests: [pending[0].id.clone(), pending[1].id.clone()],
        ..ids
    };
    let mut checked = 0;
    let mut failures = Vec::new();
    for c in cases() {
        for who in std::iter::once(None).chain(Role::ALL.into_iter().map(Some)) {
            for missing in [false, true] {
                if missing && !c.has_object {
                    continue;
                }
                let name = who.map_or("anonymous", |r| r.as_str());
                // A fresh session per call: logout cases end it, and others must not be affected.
                let token = match who {
                    Some(role) => Some(app.session_for(caller(role)).await.token),
                    None => None,
                };
                let url = app.url(&fill(c.path, &ids, missing));
                let mut req = app.client.request(c.method.clone(), url);
                if let Some(t) = &token {
                    req = req.bearer_auth(t);
                }
                match (c.body)(name) {
                    Some(Value::String(image)) if image == PNG => {
                        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
                        png.extend_from_slice(&[0; 64]);
                        req = req.header("content-type", "image/png").body(png);
                    }
                    Some(Value::String(csv)) => {
                        req = req
                            .header("content-type", "text/csv")
                            .body(fill(&csv, &ids, missing));
                    }
                    Some(body) => {
                        req = req.json(
                            &serde_json::from_str::<Value>(&fill(&body.to_string(), &ids, missing))
                                .expect("json"),
                        );
                    }
                    None => {}
                }
                let status = req.send().await.expect("sent").status().as_u16();
                let expected = match who {
                    None => 401,
                    Some(role) if !c.allowed.admits(role) => 403,
                    Some(_) if missing => 404,
                    // A partner administrator reaches only their own organisation's users: the
                    // target belongs to another account, and the invitation asks for a
                    // customer role they may not grant.
                    Some(Role::PartnerAdmin) if matches!(c.allowed, Allowed::UserManagers) => {
                        if c.has_object {
                            404
                        } else if c.method == Method::POST {
                            422
                        } else {
                            c.ok
                        }
                    }
                    Some(_) => c.ok,
                };
                checked += 1;
                if status != expected {
                    failures.push(format!(
                        "{} {} as {name}{}: {status}, expected {expected}",
                        c.method,
                        c.path,
                        if missing { " (missing object)" } else { "" }
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let endpoints = cases();
    let expected_cases = endpoints
        .iter()
        .map(|c| if c.has_object { 16 } else { 8 })
        .sum::<usize>();
    assert_eq!(
        checked, expected_cases,
        "every endpoint was tried by every caller"
    );
    eprintln!(
        "authorization matrix: {} endpoints x 8 callers, {checked} cases",
        cases().len()
    );
}

on_both_backends!(every_endpoint_answers_every_role_as_the_matrix_says);
