//! Thread posts as text: mentions written `@[Name](user:<id>)`, the copy external readers
//! get (each mention a plain `@Name`, no ids), and markdown rendered to HTML that is always
//! cleaned, so a post can carry no script, style or foreign markup.

use pulldown_cmark::{Options, Parser, html};

/// A mention as written in a post's markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenMention {
    pub name: String,
    pub user_id: String,
}

/// Finds each `@[Name](user:<id>)` in `body`, with the byte range it spans.
fn scan(body: &str) -> Vec<(std::ops::Range<usize>, WrittenMention)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = body[from..].find("@[").map(|i| i + from) {
        let rest = &body[at + 2..];
        let parsed = rest.find("](user:").and_then(|close| {
            let name = &rest[..close];
            let after = &rest[close + "](user:".len()..];
            let end = after.find(')')?;
            let id = &after[..end];
            let valid = !name.trim().is_empty()
                && !name.contains(['[', ']', '\n'])
                && !id.is_empty()
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            valid.then(|| {
                let len = 2 + close + "](user:".len() + end + 1;
                (
                    at..at + len,
                    WrittenMention {
                        name: name.trim().to_owned(),
                        user_id: id.to_owned(),
                    },
                )
            })
        });
        match parsed {
            Some((range, m)) => {
                from = range.end;
                found.push((range, m));
            }
            None => from = at + 2,
        }
    }
    found
}

/// The people a post mentions, each once, in order of first mention.
pub fn mentions(body: &str) -> Vec<WrittenMention> {
    let mut out: Vec<WrittenMention> = Vec::new();
    for (_, m) in scan(body) {
        if !out.iter().any(|o| o.user_id == m.user_id) {
            out.push(m);
        }
    }
    out
}

/// The markdown with each mention as `@Name`, named as `name_of` says (the user's current
/// name; the written one when it returns `None`).
pub fn public_body(body: &str, name_of: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(body.len());
    let mut last = 0;
    for (range, m) in scan(body) {
        out.push_str(&body[last..range.start]);
        out.push('@');
        out.push_str(&name_of(&m.user_id).unwrap_or(m.name));
        last = range.end;
    }
    out.push_str(&body[last..]);
    out
}

/// Markdown rendered to HTML and cleaned: safe to insert into any page.
pub fn render(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TABLES);
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::clean(&unsafe_html)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "019a0000-0000-7000-8000-0000000000aa";

    #[test]
    fn mentions_are_found_once_and_shown_to_externals_by_name_only() {
        let body = format!("Hi @[Ada Lovelace](user:{ID}), see @[Ada](user:{ID}) and @[x](oops)");
        let found = mentions(&body);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].user_id, ID);
        assert_eq!(found[0].name, "Ada Lovelace");
        let public = public_body(&body, |_| Some("Ada L.".to_owned()));
        assert_eq!(public, "Hi @Ada L., see @Ada L. and @[x](oops)");
        assert!(!public.contains(ID));
    }

    #[test]
    fn rendered_html_is_clean() {
        let html = render(
            "**bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("onerror"));
        let link = render(&format!("[x](user:{ID})"));
        assert!(!link.contains(ID), "{link}");
    }
}
