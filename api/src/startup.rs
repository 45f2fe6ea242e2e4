//! Builds and runs the HTTP server from `Settings`: one process for the API, its OpenAPI
//! document and reference page, and the SPA.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header::HeaderValue;
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::audit;
use crate::auth::password::Hasher;
use crate::auth::throttle::IpLimiter;
use crate::auth::tokens::Keys;
use crate::config::Settings;
use crate::db::Db;
use crate::email;
use crate::error;
use crate::metrics::{self, Metrics};
use crate::openapi;
use crate::routes::{self, fallback};
use crate::security::{self, DefaultCsp};
use crate::spa::Spa;

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects and migrates the database, binds the listener and builds the server.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let db = Db::connect(&settings).await?;
        db.migrate().await?;
        Self::build_with_db(settings, db).await
    }

    /// As `build`, on an already migrated database.
    pub async fn build_with_db(settings: Settings, db: Db) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(settings.addr)
            .with_context(|| format!("Failed to bind {}", settings.addr))?;
        let port = listener.local_addr()?.port();
        let keys = Keys::load_or_create(&db, settings.access_token_ttl_secs).await?;
        // Accounts loaded in bulk get their conflict-check keys before the first request.
        crate::app::registrations::index_unindexed_accounts(&db)
            .await
            .map_err(|e| anyhow::anyhow!("indexing accounts: {e}"))?;
        let server = run(listener, settings, db, keys)?;
        Ok(Application { port, server })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn run(listener: TcpListener, settings: Settings, db: Db, keys: Keys) -> anyhow::Result<Server> {
    let spec = openapi::spec();
    let table = web::Data::new(fallback::RouteTable::from_openapi(&spec));
    let spa = web::Data::new(Spa::load());
    let default_csp = web::Data::new(DefaultCsp(
        HeaderValue::from_str(&security::content_security_policy(
            spa.script_hashes(),
            "'none'",
        ))
        .context("Failed to build the Content-Security-Policy header")?,
    ));
    let warm = spa.clone().into_inner();
    std::thread::spawn(move || warm.warm());

    let metrics = web::Data::new(Metrics::new()?);
    let keys = web::Data::new(keys);
    let hasher = web::Data::new(Hasher::new()?);
    let limiter = web::Data::new(IpLimiter::per_minute(
        settings.auth_attempts_per_ip_per_minute,
    ));
    let spec = Arc::new(spec);
    let json_limit = settings.max_json_bytes;
    let mailer = email::Mailer::from_settings(&settings)?;
    let objects = crate::storage::objects::Objects::open(&settings)?;
    let use_cases = crate::app::App::new(db.clone(), settings.clone()).with_objects(objects);
    crate::jobs::spawn(use_cases.clone(), mailer);
    let use_cases = web::Data::new(use_cases);
    let db = web::Data::new(db);
    let settings = web::Data::new(settings);

    let server = HttpServer::new(move || {
        let spec = spec.clone();
        App::new()
            .into_utoipa_app()
            .map(|app| {
                app.wrap(ErrorHandlers::new().default_handler(error::ensure_problem))
                    .wrap(from_fn(audit::record))
                    .wrap(from_fn(security::headers))
                    .wrap(from_fn(metrics::record))
                    .wrap(TracingLogger::default())
                    .app_data(
                        web::JsonConfig::default()
                            .limit(json_limit)
                            .error_handler(error::json_error),
                    )
                    .app_data(web::QueryConfig::default().error_handler(error::query_error))
                    .app_data(web::PathConfig::default().error_handler(error::path_error))
                    .app_data(db.clone())
                    .app_data(use_cases.clone())
                    .app_data(metrics.clone())
                    .app_data(keys.clone())
                    .app_data(hasher.clone())
                    .app_data(limiter.clone())
                    .app_data(settings.clone())
                    .app_data(table.clone())
                    .app_data(spa.clone())
                    .app_data(default_csp.clone())
            })
            .configure(routes::ops)
            .service(utoipa_actix_web::scope("/api/v1").configure(routes::api_v1))
            .split_for_parts()
            .0
            .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", (*spec).clone()))
            .service(web::redirect("/api/docs", "/api/docs/"))
            .default_service(web::to(fallback::default_service))
    })
    .listen(listener)?
    .run();
    Ok(server)
}
