//! The OpenAPI document: the base below plus every path registered in `routes`.

use utoipa::OpenApi;
use utoipa::openapi::OpenApi as Spec;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{Content, Ref, RefOr, Response};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Portcullis API",
        description = "The REST API of Portcullis, the self-hostable customer & partner portal. \
            Errors are RFC 9457 problem+json documents with a stable `code`.",
        license(name = "AGPL-3.0-or-later"),
    ),
    modifiers(&BearerAuth),
    components(schemas(portcullis_shared::Problem, portcullis_shared::ErrorCode, portcullis_shared::FieldError, portcullis_shared::deals::DealView, portcullis_shared::deals::DealSort, portcullis_shared::partners::TaskView)),
    tags(
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "portals", description = "Customer and partner portals"),
        (name = "auth", description = "Sign-in, sessions and the signed-in user"),
        (name = "deals", description = "Deals, the pipeline, contacts and timelines, scoped to the caller"),
        (name = "partners", description = "The partner programme: deal registrations, conflict checks, approvals and referrals"),
        (name = "receipts", description = "Signed receipts of submissions and the public keys that verify them"),
        (name = "collaboration", description = "Deal threads, requests and their tasks with SLAs, and the co-selling workspace"),
        (name = "commissions", description = "A partner's commissions, payouts, rates, projection, statements and tier status"),
        (name = "meetings", description = "Availability, free slots and meetings booked on deals"),
        (name = "documents", description = "Documents on deals: versioned files encrypted at rest, signing status, comments and revision requests"),
        (name = "admin", description = "Administration of portals, accounts, users, permissions and the audit log"),
    )
)]
struct ApiDoc;

/// Raw bytes: the body is the file itself (an image), not JSON.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(pub Vec<u8>);

/// Declares the `bearer` security scheme (a JWT access token) used by protected paths.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut Spec) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Builds the document from the same registrations the server routes with.
pub fn spec() -> Spec {
    use utoipa_actix_web::AppExt;
    let (_, mut spec) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::ops)
        .service(utoipa_actix_web::scope("/api/v1").configure(routes::api_v1))
        .split_for_parts();
    for item in spec.paths.paths.values_mut() {
        let ops = [
            (false, &mut item.get),
            (false, &mut item.head),
            (true, &mut item.put),
            (true, &mut item.post),
            (true, &mut item.patch),
            (true, &mut item.delete),
        ];
        for (write, op) in ops {
            if let Some(op) = op.as_mut() {
                add_standard_problems(op, write);
            }
        }
    }
    spec
}

/// Documents the failures every operation of a given shape can answer, so that an integrator
/// (and a generated client) knows every status to expect and that each carries a problem
/// document. What an operation documents itself stays as written; the rest follow from the
/// extractors the handlers share:
/// - any body, query or path to parse → 400 (`JsonConfig`/`QueryConfig` error handlers);
/// - a bearer token required (`Principal` and the guards) → 401;
/// - a role guard (every `admin` operation) or a change through a read-only "view as"
///   session (every secured write) → 403;
/// - an id or slug in the path, looked up and out of the caller's sight or absent → 404;
/// - a body → 413 over its limit and 422 when its fields are invalid; a JSON body → 415
///   when sent as anything else.
///
/// 409, 412 and 429 depend on the use case or on the IP limiter, so each handler that can
/// answer them documents them itself; every 429 also gets its `Retry-After` header here.
fn add_standard_problems(op: &mut Operation, write: bool) {
    let params = op.parameters.as_deref().unwrap_or_default();
    let has_path = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let has_params = !params.is_empty();
    let body_types: Vec<String> = op
        .request_body
        .as_ref()
        .map(|b| b.content.keys().cloned().collect())
        .unwrap_or_default();
    let has_body = op.request_body.is_some();
    let json_body = body_types.iter().any(|t| t == "application/json");
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let guarded = op
        .tags
        .as_ref()
        .is_some_and(|tags| tags.iter().any(|t| t == "admin"));

    let mut add = |status: &str| {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(problem_response(default_description(status))));
    };
    if has_body || has_params {
        add("400");
    }
    if secured {
        add("401");
    }
    let view_as_may_call = op
        .operation_id
        .as_deref()
        .is_some_and(|id| VIEW_AS_MAY_CALL.contains(&id));
    if secured && (guarded || (write && !view_as_may_call)) {
        add("403");
    }
    if has_path {
        add("404");
    }
    if has_body {
        add("413");
        add("422");
    }
    if json_body {
        add("415");
    }
    for (status, res) in op.responses.responses.iter_mut() {
        if let RefOr::T(res) = res
            && res.description.is_empty()
        {
            res.description = default_description(status).to_owned();
        }
    }
    if let Some(RefOr::T(res)) = op.responses.responses.get_mut("429") {
        res.headers
            .entry("Retry-After".to_owned())
            .or_insert_with(|| {
                utoipa::openapi::HeaderBuilder::new()
                    .schema(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::schema::Type::Integer),
                    )
                    .description(Some("Seconds to wait before trying again"))
                    .build()
            });
    }
}

/// Writes a read-only "view as" session may make: signing out of itself (`OwnSession`).
const VIEW_AS_MAY_CALL: &[&str] = &["logout"];

/// The description of a response documented without one.
fn default_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "202" => "Accepted",
        "204" => "No content",
        "400" => "Malformed request: the body, query string or path could not be read",
        "401" => "No valid access token, or its session has ended; sign in again",
        "403" => "The caller's role may not do this, or the session is a read-only \"view as\" one",
        "404" => "Nothing with this id or slug exists that the caller may see",
        "409" => "Conflicts with the current state, or a unique value is taken",
        "412" => "Changed since read: the `If-Match` ETag no longer matches",
        "413" => "The body exceeds its size limit",
        "415" => "The body is not sent as application/json",
        "422" => "Invalid fields: `errors` names every one",
        "429" => "Too many attempts from this address; see Retry-After",
        "503" => "A dependency is unavailable; retry shortly",
        _ => "See the problem document",
    }
}

/// A response whose body is a problem document.
fn problem_response(description: &str) -> Response {
    let mut res = Response::new(description);
    res.content.insert(
        crate::error::PROBLEM_JSON.to_owned(),
        Content::new(Some(Ref::from_schema_name("Problem"))),
    );
    res
}

/// The document as committed in `openapi.json`: pretty JSON with a trailing newline.
pub fn to_pretty_json(spec: &Spec) -> anyhow::Result<String> {
    let mut s = serde_json::to_string_pretty(spec)?;
    s.push('\n');
    Ok(s)
}
