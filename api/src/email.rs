//! Emails: rendered with the portal's branding, written to the outbox, and delivered by SMTP
//! (lettre) when `PORTCULLIS_SMTP_URL` is set.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::db::Db;
use crate::storage::outbox::{self, Email};
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
    }
}

/// Delivers queued emails every few seconds; each failure is recorded and retried later.
pub fn spawn_delivery(db: Db, smtp_url: String, from: String) -> anyhow::Result<()> {
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp_url)
        .map_err(|e| anyhow::anyhow!("PORTCULLIS_SMTP_URL is not usable: {e}"))?
        .timeout(Some(Duration::from_secs(20)))
        .build();
    let from: Mailbox = from
        .parse()
        .map_err(|e| anyhow::anyhow!("PORTCULLIS_SMTP_FROM is not a mailbox: {e}"))?;
    tokio::spawn(async move {
        loop {
            match outbox::due(&db, 20).await {
                Ok(batch) => {
                    for e in batch {
                        let result = match build(&from, &e) {
                            Ok(message) => transport
                                .send(message)
                                .await
                                .map(|_| ())
                                .map_err(|err| err.to_string()),
                            Err(err) => Err(err),
                        };
                        if let Err(err) = &result {
                            tracing::warn!(email_id = %e.id, error = %err, "email delivery failed");
                        }
                        let _ = outbox::record_attempt(&db, &e.id, result.err().as_deref()).await;
                    }
                }
                Err(err) => tracing::warn!(error = ?err, "could not read the outbox"),
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    });
    Ok(())
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
