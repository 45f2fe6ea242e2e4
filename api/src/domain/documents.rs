//! Rules for document files that need no I/O: the name a file is offered under, the type
//! its content shows, and the header that names it on download.

use sanitize_filename::{Options, sanitize_with_options};

/// Longest file name kept, in characters.
pub const FILE_NAME_MAX: usize = 150;

/// How many leading bytes the type is detected from.
pub const SNIFF_BYTES: usize = 8 * 1024;

/// The type of a file whose content shows none.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// The type of valid UTF-8 text (plain text, markdown, CSV, …).
pub const TEXT: &str = "text/plain; charset=utf-8";

/// A received file name made safe to store and offer back: no path (only the part after the
/// last separator), no control characters or characters Windows refuses, no leading dots,
/// at most [`FILE_NAME_MAX`] characters (the extension kept). `None` when nothing is left.
pub fn sanitize_name(raw: &str) -> Option<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean = sanitize_with_options(
        base,
        Options {
            windows: true,
            truncate: false,
            replacement: "_",
        },
    );
    let clean = clean.trim().trim_start_matches('.').trim();
    if clean.is_empty() || clean.chars().all(|c| c == '_') {
        return None;
    }
    if clean.chars().count() <= FILE_NAME_MAX {
        return Some(clean.to_owned());
    }
    let (stem, ext) = match clean.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.chars().count() <= 10 => (stem, ext),
        _ => (clean, ""),
    };
    let keep = FILE_NAME_MAX - ext.chars().count() - usize::from(!ext.is_empty());
    let mut name: String = stem.chars().take(keep).collect();
    if !ext.is_empty() {
        name.push('.');
        name.push_str(ext);
    }
    Some(name)
}

/// The content type a file's bytes show: a known format by its magic bytes, text when the
/// whole file is valid UTF-8, otherwise `application/octet-stream`. Formats a browser would
/// run (HTML, SVG, XML, scripts) are served as what they are underneath: text.
pub fn sniff(head: &[u8], whole_is_utf8: bool) -> &'static str {
    let detected = infer::get(head).map(|t| t.mime_type());
    match detected {
        Some(mime)
            if !(mime.starts_with("text/")
                || mime.contains("xml")
                || mime.contains("html")
                || mime.contains("javascript")
                || mime.contains("svg")) =>
        {
            mime
        }
        _ if whole_is_utf8 && !head.contains(&0) => TEXT,
        _ => OCTET_STREAM,
    }
}

/// Checks that a stream of bytes is UTF-8, piece by piece, with characters split across
/// pieces allowed.
#[derive(Debug, Clone, Default)]
pub struct Utf8Check {
    carry: Vec<u8>,
    invalid: bool,
}

impl Utf8Check {
    /// Takes the next piece.
    pub fn feed(&mut self, piece: &[u8]) {
        if self.invalid {
            return;
        }
        let joined;
        let bytes = if self.carry.is_empty() {
            piece
        } else {
            let mut j = std::mem::take(&mut self.carry);
            j.extend_from_slice(piece);
            joined = j;
            &joined[..]
        };
        match std::str::from_utf8(bytes) {
            Ok(_) => self.carry.clear(),
            Err(e) if e.error_len().is_none() => {
                self.carry = bytes[e.valid_up_to()..].to_vec();
            }
            Err(_) => self.invalid = true,
        }
    }

    /// Whether everything fed was UTF-8, ending on a whole character.
    pub fn finish(&self) -> bool {
        !self.invalid && self.carry.is_empty()
    }
}

/// A file name for `Content-Disposition: attachment; filename*=UTF-8''…` (RFC 5987/8187).
pub fn encode_filename(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_control_characters_and_leading_dots() {
        assert_eq!(sanitize_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(
            sanitize_name("C:\\Users\\x\\report.pdf").as_deref(),
            Some("report.pdf")
        );
        assert_eq!(sanitize_name(".bashrc").as_deref(), Some("bashrc"));
        assert_eq!(
            sanitize_name("a\u{0}b\nc.txt").as_deref(),
            Some("a_b_c.txt")
        );
        assert_eq!(sanitize_name("..."), None);
        assert_eq!(sanitize_name("  "), None);
        let long = format!("{}.pdf", "x".repeat(400));
        let kept = sanitize_name(&long).expect("a name");
        assert_eq!(kept.chars().count(), FILE_NAME_MAX);
        assert!(kept.ends_with(".pdf"));
    }

    #[test]
    fn the_type_comes_from_the_content() {
        assert_eq!(sniff(b"%PDF-1.7\n...", false), "application/pdf");
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", false), "image/png");
        assert_eq!(sniff(b"name,amount\nacme,10\n", true), TEXT);
        assert_eq!(sniff(b"<html><script>x</script></html>", true), TEXT);
        assert_eq!(sniff(&[0xff, 0xfe, 0x00, 0x01], false), OCTET_STREAM);
    }

    #[test]
    fn utf8_is_checked_across_pieces() {
        let text = "prix: 10 €".as_bytes();
        let mut check = Utf8Check::default();
        check.feed(&text[..text.len() - 2]);
        check.feed(&text[text.len() - 2..]);
        assert!(check.finish());
        let mut cut = Utf8Check::default();
        cut.feed(&text[..text.len() - 1]);
        assert!(!cut.finish());
        let mut bad = Utf8Check::default();
        bad.feed(&[b'a', 0xff, b'b']);
        assert!(!bad.finish());
    }

    #[test]
    fn download_names_are_percent_encoded() {
        assert_eq!(
            encode_filename("Devis été.pdf"),
            "Devis%20%C3%A9t%C3%A9.pdf"
        );
        assert_eq!(encode_filename("a\"b;c"), "a%22b%3Bc");
    }
}
