//! Signed receipts, public: the keys that verify them at a stable URL, and a verifier for
//! anyone holding a receipt. Each handler calls one use case of `app::receipts`.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use portcullis_shared::receipts::{Receipt, ReceiptKeySet, ReceiptVerification};

use crate::app::{self, App};
use crate::error::ApiError;

type Problem = portcullis_shared::Problem;

/// The public keys that verify receipts.
///
/// Current and retired keys (a retired key still verifies what it signed), newest first.
/// This URL is stable: keep a copy to verify receipts offline with
/// `portcullis receipt verify --keys`.
#[utoipa::path(tag = "receipts", operation_id = "list_receipt_keys", responses(
    (status = 200, description = "Every receipt key", body = ReceiptKeySet),
))]
#[get("/receipt-keys")]
pub async fn list_receipt_keys(app: web::Data<App>) -> Result<HttpResponse, ApiError> {
    let keys = app::receipts::keys(&app).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(keys))
}

/// Verifies a receipt.
///
/// Checks its shape, its key, the digest of what was submitted and the Ed25519 signature over the canonical JSON of the receipt without `signature` (members sorted by
/// key at every depth, no whitespace, strings as serde_json writes them, whole numbers
/// only). A receipt that does not verify answers 422; its one field error names the member
/// at fault and its message starts with the reason: `malformed`, `unknown_key`,
/// `digest_mismatch` or `bad_signature`.
#[utoipa::path(tag = "receipts", operation_id = "verify_receipt", request_body = Receipt, responses(
    (status = 200, description = "The receipt is valid", body = ReceiptVerification),
    (status = 422, description = "The receipt is malformed, names an unknown key, or its digest or signature does not match", body = Problem, content_type = "application/problem+json"),
))]
#[post("/receipts/verify")]
pub async fn verify_receipt(
    app: web::Data<App>,
    body: web::Json<serde_json::Value>,
) -> Result<web::Json<ReceiptVerification>, ApiError> {
    Ok(web::Json(app::receipts::verify(&app, &body).await?))
}
