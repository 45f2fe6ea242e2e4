//! The single-page app: built by Trunk into `dist/`, embedded in release binaries (debug
//! builds read `dist/` from disk), served with long-lived caching for hashed assets, gzip and
//! brotli variants compressed once, and `index.html` for every client route.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, RwLock};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use sha2::{Digest, Sha256};

#[derive(rust_embed::Embed)]
#[folder = "../dist"]
#[allow_missing = true]
struct Dist;

/// One static file with its precompressed variants.
struct Asset {
    content_type: String,
    etag: String,
    raw: Vec<u8>,
    gzip: Option<Vec<u8>>,
    brotli: Option<Vec<u8>>,
}

/// The SPA's files and the script hashes its Content-Security-Policy must allow.
pub struct Spa {
    cache: RwLock<HashMap<String, Arc<Asset>>>,
    /// Held while compressing, so the warm-up and a first request never compress a file twice.
    compressing: Mutex<()>,
    script_hashes: Vec<String>,
}

impl Spa {
    /// Loads `index.html` and hashes its inline scripts (Trunk's loader) for the CSP.
    pub fn load() -> Spa {
        let script_hashes = Dist::get("index.html")
            .map(|f| inline_script_hashes(&String::from_utf8_lossy(&f.data)))
            .unwrap_or_default();
        Spa {
            cache: RwLock::new(HashMap::new()),
            compressing: Mutex::new(()),
            script_hashes,
        }
    }

    /// Whether a built SPA is present.
    pub fn is_built() -> bool {
        Dist::get("index.html").is_some()
    }

    /// `'sha256-…'` sources for every inline script of `index.html`.
    pub fn script_hashes(&self) -> &[String] {
        &self.script_hashes
    }

    /// Compresses every file ahead of the first request (run off the request threads).
    pub fn warm(&self) {
        for path in Dist::iter() {
            let _ = self.asset(&path);
        }
    }

    /// Whether `path` is ready to serve without compressing (or is not a file at all).
    pub fn is_ready(&self, path: &str) -> bool {
        let path = path.trim_start_matches('/');
        match Dist::get(path) {
            Some(file) => self.cached(path, &etag_of(&file)).is_some(),
            None => true,
        }
    }

    /// Compresses `path` if needed; blocking, so callers on request threads use `web::block`.
    pub fn prepare(&self, path: &str) {
        let _ = self.asset(path.trim_start_matches('/'));
    }

    fn cached(&self, path: &str, etag: &str) -> Option<Arc<Asset>> {
        let cache = self.cache.read().ok()?;
        cache.get(path).filter(|a| a.etag == etag).cloned()
    }

    fn asset(&self, path: &str) -> Option<Arc<Asset>> {
        let file = Dist::get(path)?;
        let etag = etag_of(&file);
        if let Some(a) = self.cached(path, &etag) {
            return Some(a);
        }
        let _compressing = self.compressing.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = self.cached(path, &etag) {
            return Some(a);
        }
        let content_type = mime_guess::from_path(path)
            .first_or_octet_stream()
            .essence_str()
            .to_owned();
        let raw = file.data.into_owned();
        let compressible = raw.len() > 1024
            && (content_type.starts_with("text/")
                || content_type.ends_with("javascript")
                || content_type.ends_with("json")
                || content_type.ends_with("wasm")
                || content_type.ends_with("svg+xml"));
        let (gzip, brotli) = if compressible {
            (gzip(&raw), brotli(&raw))
        } else {
            (None, None)
        };
        let asset = Arc::new(Asset {
            content_type,
            etag,
            raw,
            gzip,
            brotli,
        });
        if let Ok(mut cache) = self.cache.write() {
            cache.insert(path.to_owned(), asset.clone());
        }
        Some(asset)
    }

    /// Serves a static file, or `index.html` for client routes; `None` when neither exists.
    pub fn respond(&self, req: &HttpRequest, csp: &str) -> Option<HttpResponse> {
        let path = req.path().trim_start_matches('/');
        let (asset, immutable) = match self.asset(path).filter(|_| !path.is_empty()) {
            Some(a) => (a, path != "index.html"),
            // A missing file with an extension is a broken link, not a client route.
            None if last_segment_has_extension(path) => return None,
            None => (self.asset("index.html")?, false),
        };
        let accepts = req
            .headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mut builder = HttpResponse::Ok();
        builder
            .insert_header((header::CONTENT_TYPE, asset.content_type.as_str()))
            .insert_header((header::ETAG, asset.etag.as_str()))
            .insert_header((header::VARY, "Accept-Encoding"))
            .insert_header((
                header::CACHE_CONTROL,
                if immutable {
                    "public, max-age=31536000, immutable"
                } else {
                    "no-cache"
                },
            ));
        if asset.content_type == "text/html" {
            builder.insert_header((header::CONTENT_SECURITY_POLICY, csp));
        }
        let not_modified = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| v.as_bytes() == asset.etag.as_bytes());
        if not_modified {
            return Some(
                builder
                    .status(actix_web::http::StatusCode::NOT_MODIFIED)
                    .finish(),
            );
        }
        let body = match (&asset.brotli, &asset.gzip) {
            (Some(br), _) if accepts_encoding(accepts, "br") => {
                builder.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("br")));
                br.clone()
            }
            (_, Some(gz)) if accepts_encoding(accepts, "gzip") => {
                builder.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("gzip")));
                gz.clone()
            }
            _ => asset.raw.clone(),
        };
        Some(builder.body(body))
    }
}

fn last_segment_has_extension(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|s| s.contains('.'))
}

fn accepts_encoding(header: &str, coding: &str) -> bool {
    header.split(',').any(|part| {
        let mut it = part.trim().split(';');
        let name = it.next().unwrap_or("").trim();
        let refused = it.any(|p| p.trim().replace(' ', "") == "q=0");
        name.eq_ignore_ascii_case(coding) && !refused
    })
}

fn gzip(data: &[u8]) -> Option<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).ok()?;
    enc.finish().ok()
}

fn brotli(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &data[..], &mut out, &params).ok()?;
    Some(out)
}

fn etag_of(file: &rust_embed::EmbeddedFile) -> String {
    format!("\"{}\"", hex(&file.metadata.sha256_hash()[..16]))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes the content of every `<script>` element without a `src` attribute.
fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_start = &after[tag_end + 1..];
        let Some(close) = body_start.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            let digest = Sha256::digest(&body_start.as_bytes()[..close]);
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &body_start[close..];
    }
    hashes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_skipped() {
        let html = r#"<script src="/a.js"></script><script type="module">init()</script>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"init()"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
    }

    #[test]
    fn encodings_refused_with_q_zero_are_not_used() {
        assert!(accepts_encoding("gzip, deflate, br", "br"));
        assert!(!accepts_encoding("gzip, br;q=0", "br"));
        assert!(!accepts_encoding("identity", "gzip"));
    }
}
