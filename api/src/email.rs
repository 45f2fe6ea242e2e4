//! Emails: rendered with the portal's branding, written to the outbox, and delivered by SMTP
//! (lettre) when `PORTCULLIS_SMTP_URL` is set.

use std::time::Duration;

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, EventLike, EventStatus, Property};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
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
    let body = MultiPart::alternative_plain_html(e.body_text.clone(), e.body_html.clone());
    let body = match (&e.ics_name, &e.ics) {
        (Some(name), Some(ics)) => {
            // Calendar clients act on the method of the part: an invitation or a cancellation.
            let method = ics
                .lines()
                .find_map(|l| l.strip_prefix("METHOD:"))
                .unwrap_or("PUBLISH")
                .trim();
            let kind =
                ContentType::parse(&format!("text/calendar; method={method}; charset=UTF-8"))
                    .map_err(|err| err.to_string())?;
            MultiPart::mixed()
                .multipart(body)
                .singlepart(Attachment::new(name.clone()).body(ics.clone(), kind))
        }
        _ => body,
    };
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&e.subject)
        .multipart(body)
        .map_err(|err| err.to_string())
}

/// Someone named in a calendar invitation.
#[derive(Debug, Clone)]
pub struct CalendarPerson {
    pub name: String,
    pub email: String,
}

/// A meeting as a calendar invitation carries it.
#[derive(Debug, Clone)]
pub struct CalendarEvent {
    /// Stable for the meeting, so every revision updates the same calendar entry.
    pub uid: String,
    /// 0 when booked, one more for each reschedule or the cancellation.
    pub sequence: u32,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    pub description: String,
    pub organizer: CalendarPerson,
    pub attendees: Vec<CalendarPerson>,
    /// A cancellation (`METHOD:CANCEL`, `STATUS:CANCELLED`) rather than an invitation.
    pub cancelled: bool,
}

/// The iCalendar text (RFC 5545, UTC times) of an invitation or a cancellation.
pub fn ics(e: &CalendarEvent) -> String {
    let mailto = |p: &CalendarPerson, role: &str| {
        let mut prop = Property::new(role, format!("mailto:{}", p.email));
        prop.add_parameter("CN", &p.name);
        if role == "ATTENDEE" {
            prop.add_parameter("ROLE", "REQ-PARTICIPANT");
        }
        prop.done()
    };
    let mut event = icalendar::Event::new();
    event
        .uid(&e.uid)
        .sequence(e.sequence)
        .timestamp(Utc::now())
        .starts(e.start)
        .ends(e.end)
        .summary(&e.summary)
        .description(&e.description)
        .status(if e.cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        })
        .append_property(mailto(&e.organizer, "ORGANIZER"));
    for a in &e.attendees {
        event.append_multi_property(mailto(a, "ATTENDEE"));
    }
    let mut calendar = Calendar::new();
    calendar
        .append_property(Property::new("PRODID", "-//Portcullis//Meetings//EN"))
        .append_property(Property::new(
            "METHOD",
            if e.cancelled { "CANCEL" } else { "REQUEST" },
        ))
        .push(event.done());
    calendar.done().to_string()
}

/// A meeting email (booked, moved or cancelled) with its calendar invitation attached.
pub fn meeting(
    to: &str,
    name: &str,
    portal: Option<&PortalRow>,
    title: &str,
    body: &str,
    link: &str,
    event: &CalendarEvent,
) -> Email {
    let mut mail = notice(to, name, portal, title, body, link);
    mail.kind = "meeting".into();
    let file = if event.cancelled {
        "cancel.ics"
    } else {
        "invite.ics"
    };
    mail.ics = Some((file.to_owned(), ics(event)));
    mail
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

#[cfg(test)]
mod tests {
    use super::*;

    fn event(cancelled: bool) -> CalendarEvent {
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .expect("time")
                .with_timezone(&Utc)
        };
        CalendarEvent {
            uid: "m1@portcullis".into(),
            sequence: 2,
            start: at("2027-03-29T07:00:00Z"),
            end: at("2027-03-29T07:30:00Z"),
            summary: "Walkthrough".into(),
            description: "Deal: Rollout".into(),
            organizer: CalendarPerson {
                name: "Rep".into(),
                email: "rep@example.com".into(),
            },
            attendees: vec![CalendarPerson {
                name: "Customer".into(),
                email: "c@example.com".into(),
            }],
            cancelled,
        }
    }

    #[test]
    fn an_invitation_carries_utc_times_its_revision_and_its_method() {
        let text = ics(&event(false));
        for line in [
            "METHOD:REQUEST",
            "UID:m1@portcullis",
            "SEQUENCE:2",
            "DTSTART:20270329T070000Z",
            "DTEND:20270329T073000Z",
            "STATUS:CONFIRMED",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in {text}");
        }
        let cancel = ics(&event(true));
        assert!(cancel.contains("METHOD:CANCEL\r\n"), "{cancel}");
        assert!(cancel.contains("STATUS:CANCELLED\r\n"), "{cancel}");
    }

    #[test]
    fn the_invitation_travels_as_a_text_calendar_part() {
        let mail = meeting(
            "c@example.com",
            "C",
            None,
            "Booked",
            "b",
            "http://x",
            &event(true),
        );
        let outbox = portcullis_shared::admin::OutboxEmail {
            id: "e".into(),
            kind: mail.kind,
            to: mail.to,
            subject: mail.subject,
            body_text: mail.text,
            body_html: mail.html,
            portal_id: None,
            created_at: String::new(),
            sent_at: None,
            attempts: 0,
            last_error: None,
            ics_name: mail.ics.as_ref().map(|i| i.0.clone()),
            ics: mail.ics.map(|i| i.1),
        };
        let from: Mailbox = "Portcullis <noreply@example.com>".parse().expect("from");
        let raw =
            String::from_utf8(build(&from, &outbox).expect("built").formatted()).expect("text");
        assert!(raw.contains("text/calendar; method=CANCEL"), "{raw}");
        assert!(raw.contains("cancel.ics"), "{raw}");
    }
}
