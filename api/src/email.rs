//! Emails: rendered with the portal's branding, written to the outbox, and delivered by SMTP
//! (lettre) when `PORTCULLIS_SMTP_URL` is set.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::storage::outbox::Email;
use crate::storage::portals::PortalRow;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The invitation email, branded with the portal's colour and email header.
pub fn invitation(to: &str, name: &str, portal: Option<&PortalRow>, link: &str) -> Email {
    let place = portal.map_or("Portcullis", |p| p.name.as_str());
    let colour = portal.map_or("#1d4ed8", |p| p.branding.primary_color.as_str());
    let header = portal
        .and_then(|p| p.branding.email_header_url.as_deref())
        .map(|u| {
            format!(
                r#"<img src="{}" alt="{}" height="48" style="display:block;margin:0 0 24px">"#,
                escape(u),
                escape(place)
            )
        })
        .unwrap_or_default();
    let subject = format!("You're invited to {place}");
    let text = format!(
        "Hello {name},\n\nYou have been invited to {place}. Set your password and sign in here:\n\n{link}\n\nThe link works once and expires in 7 days.\n"
    );
    let html = format!(
        r#"<!doctype html><html><body style="font-family:system-ui,sans-serif;background:#f8fafc;padding:24px"><div style="max-width:560px;margin:auto;background:#fff;border-radius:12px;padding:32px">{header}<h1 style="font-size:20px;color:#0f172a">You're invited to {place}</h1><p style="color:#334155">Hello {name}, you have been invited to {place}. Set your password to get started.</p><p><a href="{link}" style="display:inline-block;background:{colour};color:#fff;padding:12px 20px;border-radius:8px;text-decoration:none;font-weight:600">Accept invitation</a></p><p style="color:#64748b;font-size:13px">The link works once and expires in 7 days. If the button does not work, open {link_text}</p></div></body></html>"#,
        place = escape(place),
        name = escape(name),
        link = escape(link),
        link_text = escape(link),
        colour = escape(colour),
    );
    Email {
        kind: "invitation".into(),
        to: to.into(),
        subject,
        text,
        html,
        portal_id: portal.map(|p| p.id.clone()),
        ics: None,
    }
}

/// SMTP delivery, when `PORTCULLIS_SMTP_URL` is set. Each outbox email is sent by its own
/// `email.send` job, so retries and "once, not once per node" come from the job queue.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// The configured mailer, or `None` when mail is kept in the outbox only.
    pub fn from_settings(settings: &crate::config::Settings) -> anyhow::Result<Option<Mailer>> {
        let Some(url) = &settings.smtp_url else {
            return Ok(None);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("PORTCULLIS_SMTP_URL is not usable: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from: Mailbox = settings
            .smtp_from
            .parse()
            .map_err(|e| anyhow::anyhow!("PORTCULLIS_SMTP_FROM is not a mailbox: {e}"))?;
        Ok(Some(Mailer { transport, from }))
    }

    /// Sends one email; the error says why the server refused it.
    pub async fn send(&self, e: &portcullis_shared::admin::OutboxEmail) -> Result<(), String> {
        let message = build(&self.from, e)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|err| err.to_string())
    }
}

fn build(from: &Mailbox, e: &portcullis_shared::admin::OutboxEmail) -> Result<Message, String> {
    let to: Mailbox =
        e.to.parse()
            .map_err(|err| format!("bad recipient: {err}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&e.subject)
        .multipart(MultiPart::alternative_plain_html(
            e.body_text.clone(),
            e.body_html.clone(),
        ))
        .map_err(|err| err.to_string())
}

/// A notice about something that concerns the recipient (a registration decided, a tier
/// reached, a task assigned), branded like the invitation, with a link into the app.
pub fn notice(
    to: &str,
    name: &str,
    portal: Option<&PortalRow>,
    title: &str,
    body: &str,
    link: &str,
) -> Email {
    let place = portal.map_or("Portcullis", |p| p.name.as_str());
    let colour = portal.map_or("#1d4ed8", |p| p.branding.primary_color.as_str());
    let text = format!("Hello {name},\n\n{body}\n\nOpen it here: {link}\n\n— {place}\n");
    let html = format!(
        r#"<!doctype html><html><body style="font-family:system-ui,sans-serif;background:#f8fafc;padding:24px"><div style="max-width:560px;margin:auto;background:#fff;border-radius:12px;padding:32px"><h1 style="font-size:20px;color:#0f172a">{title}</h1><p style="color:#334155">Hello {name}, {body}</p><p><a href="{link}" style="display:inline-block;background:{colour};color:#fff;padding:12px 20px;border-radius:8px;text-decoration:none;font-weight:600">Open in {place}</a></p></div></body></html>"#,
        title = escape(title),
        name = escape(name),
        body = escape(body),
        link = escape(link),
        colour = escape(colour),
        place = escape(place),
    );
    Email {
        kind: "notice".into(),
        to: to.into(),
        subject: format!("{title} — {place}"),
        text,
        html,
        portal_id: portal.map(|p| p.id.clone()),
        ics: None,
    }
}
