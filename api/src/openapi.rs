//! The OpenAPI document: the base below plus every path registered in `routes`.

use utoipa::OpenApi;
use utoipa::openapi::OpenApi as Spec;

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
    components(schemas(portcullis_shared::Problem, portcullis_shared::ErrorCode, portcullis_shared::FieldError)),
    tags(
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "portals", description = "Customer and partner portals"),
        (name = "auth", description = "Sign-in, sessions and the signed-in user"),
        (name = "admin", description = "Administration of portals, accounts, users, permissions and the audit log"),
    )
)]
struct ApiDoc;

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
    let (_, spec) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::ops)
        .service(utoipa_actix_web::scope("/api/v1").configure(routes::api_v1))
        .split_for_parts();
    spec
}

/// The document as committed in `openapi.json`: pretty JSON with a trailing newline.
pub fn to_pretty_json(spec: &Spec) -> anyhow::Result<String> {
    let mut s = serde_json::to_string_pretty(spec)?;
    s.push('\n');
    Ok(s)
}
