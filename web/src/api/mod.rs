//! The typed API client: one function per operation, grouped by area as on the server. Every
//! request goes through [`Call`]; a signed-in call reads the session from context, and when the
//! access token has expired it is retried once after a refresh through the HttpOnly cookie.
//! Failures come back as the server's problem document (or one made up for network errors).

pub mod access_requests;
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod collab;
pub mod commissions;
pub mod contacts;
pub mod deals;
pub mod invitations;
pub mod jobs;
pub mod me;
pub mod notifications;
pub mod outbox;
pub mod partners;
pub mod permissions;
pub mod pipeline;
pub mod portals;
pub mod users;

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use gloo_net::http::{Method, RequestBuilder, Response};
use portcullis_shared::{ErrorCode, Problem};
use serde::de::DeserializeOwned;

use crate::session::{Session, use_session};

/// A failed call: the problem the server sent, or a network problem.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError(pub Problem);

impl ApiError {
    fn network(e: impl std::fmt::Display) -> ApiError {
        ApiError(Problem::new(
            ErrorCode::ServiceUnavailable,
            Some(format!("Could not reach the server: {e}")),
        ))
    }

    fn signed_out() -> ApiError {
        ApiError(Problem::new(
            ErrorCode::Unauthenticated,
            Some("Please sign in again.".into()),
        ))
    }

    /// Whether the thing asked for does not exist (or may not be seen).
    pub fn is_not_found(&self) -> bool {
        self.0.code == ErrorCode::NotFound
    }

    /// Whether someone else changed the object since it was read.
    pub fn is_stale(&self) -> bool {
        self.0.code == ErrorCode::PreconditionFailed
    }

    fn is_unauthenticated(&self) -> bool {
        self.0.code == ErrorCode::Unauthenticated
    }

    /// A sentence for people.
    pub fn message(&self) -> String {
        let mut text = self
            .0
            .detail
            .clone()
            .unwrap_or_else(|| self.0.title.clone());
        for e in &self.0.errors {
            text.push_str(&format!(" {}: {}.", e.field, e.message));
        }
        text
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ApiError {}

async fn problem(res: Response) -> ApiError {
    let status = res.status();
    match res.json::<Problem>().await {
        Ok(p) => ApiError(p),
        Err(_) => {
            let mut p = Problem::new(
                ErrorCode::Internal,
                Some(format!("The server answered {status}.")),
            );
            p.status = status;
            ApiError(p)
        }
    }
}

/// What a request carries.
enum Body {
    Empty,
    Json(Result<String, ApiError>),
    /// A file uploaded as is, with its content type.
    File(web_sys::File, &'static str),
}

/// One request to `/api/v1`: built by the area modules, sent by one of the typed endings
/// ([`Call::fetch`], [`Call::done`], [`Call::text`], [`Call::tagged`]).
pub struct Call {
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Body,
    /// Headers beyond the body's type and the token (`If-Match`, `Idempotency-Key`).
    headers: Vec<(&'static str, String)>,
    /// The session to sign the call with; `None` for public operations.
    session: Option<Session>,
    /// Whether a 401 renews the token and retries.
    renew: bool,
}

/// A public operation.
fn public(method: Method, path: impl Into<String>) -> Call {
    Call {
        method,
        path: path.into(),
        query: Vec::new(),
        body: Body::Empty,
        headers: Vec::new(),
        session: None,
        renew: true,
    }
}

/// An operation of the signed-in user. The session is taken from context here, when the call
/// is made (in an event handler or a resource), not when its future first runs.
fn signed(method: Method, path: impl Into<String>) -> Call {
    Call {
        session: Some(use_session()),
        ..public(method, path)
    }
}

impl Call {
    /// Adds query pairs; empty values are left out.
    fn query(mut self, pairs: impl IntoIterator<Item = (&'static str, String)>) -> Call {
        self.query
            .extend(pairs.into_iter().filter(|(_, v)| !v.is_empty()));
        self
    }

    fn json(mut self, value: &impl serde::Serialize) -> Call {
        self.body = Body::Json(serde_json::to_string(value).map_err(ApiError::network));
        self
    }

    fn file(mut self, file: web_sys::File, content_type: &'static str) -> Call {
        self.body = Body::File(file, content_type);
        self
    }

    /// Never renews the token: for calls whose 401 already says what they wanted to know.
    fn once(mut self) -> Call {
        self.renew = false;
        self
    }

    /// Only if the object still has this ETag (no edit is lost).
    fn if_match(mut self, etag: String) -> Call {
        self.headers.push(("if-match", etag));
        self
    }

    /// Makes a retry (a double click, a lost answer) safe: the server answers a repeat of the
    /// same key with the first result instead of doing it twice.
    fn idempotency_key(mut self, key: String) -> Call {
        self.headers.push(("idempotency-key", key));
        self
    }

    async fn request(&self, token: Option<&str>) -> Result<Response, ApiError> {
        let mut builder = RequestBuilder::new(&format!("/api/v1{}", self.path))
            .method(self.method.clone())
            .query(self.query.iter().map(|(k, v)| (*k, v.as_str())));
        if let Some(token) = token {
            builder = builder.header("authorization", &format!("Bearer {token}"));
        }
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        let request = match &self.body {
            Body::Empty => builder.build(),
            Body::Json(Ok(json)) => builder
                .header("content-type", "application/json")
                .body(json.as_str()),
            Body::Json(Err(e)) => return Err(e.clone()),
            Body::File(file, kind) => builder
                .header("content-type", kind)
                .body(wasm_bindgen::JsValue::from(file.clone())),
        };
        request
            .map_err(ApiError::network)?
            .send()
            .await
            .map_err(ApiError::network)
    }

    /// Sends the call. A signed-in call renews a token about to expire first, and one refused
    /// with 401 anyway (the server's clock, a revoked token) is retried once with a renewed
    /// token; if the session cannot be renewed, it has ended and the app returns to sign-in.
    async fn send(self) -> Result<Response, ApiError> {
        let Some(session) = self.session else {
            return self.request(None).await;
        };
        let Some(mut token) = session.token() else {
            return Err(ApiError::signed_out());
        };
        if token.expiring() {
            token.access = renewed(session).await?;
        }
        let res = self.request(Some(&token.access)).await?;
        if res.status() != 401 || !self.renew {
            return Ok(res);
        }
        if token.view_as {
            // A read-only "view as" session cannot be renewed: the cookie is the
            // administrator's own.
            session.view_ended();
            return Err(problem(res).await);
        }
        let fresh = match session.token() {
            // Another call renewed the token while this one was under way.
            Some(now) if now.access != token.access => now.access,
            Some(_) => renewed(session).await?,
            None => return Err(ApiError::signed_out()),
        };
        let res = self.request(Some(&fresh)).await?;
        if res.status() == 401 {
            session.ended();
        }
        Ok(res)
    }

    /// The JSON answer. Only the parsing is generic: the exchange itself is one boxed future
    /// shared by every call, which keeps each screen's futures (and the WebAssembly) small.
    async fn fetch<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        let text = self.text().await?;
        serde_json::from_str(&text).map_err(ApiError::network)
    }

    /// Success without an answer (204), or one the caller does not need.
    async fn done(self) -> Result<(), ApiError> {
        self.text().await.map(drop)
    }

    /// The answer's body as text (JSON, CSV), or the problem.
    fn text(self) -> Pin<Box<dyn Future<Output = Result<String, ApiError>>>> {
        Box::pin(async move {
            let res = self.send().await?;
            if res.ok() {
                res.text().await.map_err(ApiError::network)
            } else {
                Err(problem(res).await)
            }
        })
    }

    /// A binary answer (an image) as an object URL the page can show; the caller revokes it.
    async fn object_url(self) -> Result<String, ApiError> {
        let res = self.send().await?;
        if !res.ok() {
            return Err(problem(res).await);
        }
        let kind = res.headers().get("content-type").unwrap_or_default();
        let bytes = res.binary().await.map_err(ApiError::network)?;
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(&kind);
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
            .and_then(|b| web_sys::Url::create_object_url_with_blob(&b))
            .map_err(|_| ApiError::network("the image could not be read"))
    }

    /// The JSON answer with its ETag, for an edit that must not overwrite another.
    async fn tagged<T: DeserializeOwned>(self) -> Result<(T, Option<String>), ApiError> {
        let res = self.send().await?;
        if res.ok() {
            let etag = res.headers().get("etag");
            res.json::<T>()
                .await
                .map_err(ApiError::network)
                .map(|t| (t, etag))
        } else {
            Err(problem(res).await)
        }
    }
}

/// A refresh under way, awaited by every call that needs the new token.
#[derive(Default)]
struct Renewal {
    result: Option<Result<String, ApiError>>,
    waiting: Vec<Waker>,
}

thread_local! {
    /// The refresh under way, if any. The server rotates the refresh cookie and ends the
    /// whole session when an already used one is presented, so two refreshes must never
    /// overlap: every caller that needs a new token waits for the one in flight.
    static RENEWAL: RefCell<Option<Rc<RefCell<Renewal>>>> = const { RefCell::new(None) };
}

/// Waits for a [`Renewal`] to finish.
struct Wait(Rc<RefCell<Renewal>>);

impl Future for Wait {
    type Output = Result<String, ApiError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut renewal = self.0.borrow_mut();
        match &renewal.result {
            Some(result) => Poll::Ready(result.clone()),
            None => {
                renewal.waiting.push(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// A new access token for a call; when the session cannot be renewed it has ended.
async fn renewed(session: Session) -> Result<String, ApiError> {
    let renewal = renew(session).await;
    if renewal.as_ref().is_err_and(ApiError::is_unauthenticated) {
        session.ended();
    }
    renewal
}

/// A new access token from the refresh cookie, stored in the session. Calls that need one
/// at the same time share a single refresh.
pub async fn renew(session: Session) -> Result<String, ApiError> {
    let (renewal, start) = RENEWAL.with(|slot| {
        let mut slot = slot.borrow_mut();
        match &*slot {
            Some(r) => (r.clone(), false),
            None => {
                let r = Rc::new(RefCell::new(Renewal::default()));
                *slot = Some(r.clone());
                (r, true)
            }
        }
    });
    if start {
        let shared = renewal.clone();
        let sign_ins = session.sign_ins();
        leptos::task::spawn_local(async move {
            let result = auth::refresh().await.map(|t| {
                let access = t.access_token.clone();
                session.renewed(t, sign_ins);
                access
            });
            RENEWAL.with(|slot| slot.borrow_mut().take());
            let waiting = {
                let mut r = shared.borrow_mut();
                r.result = Some(result);
                std::mem::take(&mut r.waiting)
            };
            waiting.into_iter().for_each(Waker::wake);
        });
    }
    Wait(renewal).await
}
