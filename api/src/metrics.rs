//! Prometheus metrics: request counts and latency histograms by route pattern and status.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

/// The registry and the HTTP instruments, one set per app.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    jobs: IntGaugeVec,
}

impl Metrics {
    /// Creates and registers the HTTP instruments.
    pub fn new() -> anyhow::Result<Metrics> {
        let registry = Registry::new_custom(Some("portcullis".into()), None)?;
        let labels = ["method", "route", "status"];
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests served"),
            &labels,
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency").buckets(
                vec![
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ],
            ),
            &labels,
        )?;
        let jobs = IntGaugeVec::new(
            Opts::new("jobs", "Jobs in the queue by kind and state"),
            &["kind", "state"],
        )?;
        registry.register(Box::new(jobs.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            jobs,
        })
    }

    /// Sets the job gauges from a fresh count (kind, state, number).
    pub fn set_jobs(&self, counts: &[(String, String, i64)]) {
        self.jobs.reset();
        for (kind, state, n) in counts {
            self.jobs.with_label_values(&[kind, state]).set(*n);
        }
    }

    /// The Prometheus text exposition of every instrument.
    pub fn render(&self) -> anyhow::Result<String> {
        let mut buf = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buf)?;
        Ok(String::from_utf8(buf)?)
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency.with_label_values(&labels).observe(seconds);
    }
}

/// Middleware recording every request under its route pattern (never the raw path, which
/// would let callers create unbounded label values).
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<actix_web::web::Data<Metrics>>().cloned();
    let method = req.method().as_str().to_owned();
    let res = next.call(req).await?;
    if let Some(metrics) = metrics {
        let route = res.request().match_pattern().unwrap_or_else(|| {
            if res.request().path().starts_with("/api/") {
                "/api/<unmatched>".to_owned()
            } else {
                "<spa>".to_owned()
            }
        });
        metrics.observe(
            &method,
            &route,
            res.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(res)
}
