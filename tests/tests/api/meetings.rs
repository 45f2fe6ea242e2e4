//! Meeting scheduling through the API: publishing availability and its checks, free slots in
//! the customer's time zone across a clock change, days off, booking with calendar
//! invitations in the outbox, twenty bookings racing for one slot, moving and cancelling,
//! the co-selling partner's shared time, and who may see and book what.

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use portcullis_shared::Role;
use portcullis_tests::demo::{ADMIN, CUSTOMER, OTHER_CUSTOMER, PARTNER, REP, caller};
use portcullis_tests::{TestApp, assert_problem, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

async fn send(
    app: &TestApp,
    method: Method,
    token: &str,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await.expect("sent")
}

async fn ok_json(res: reqwest::Response) -> Value {
    let status = res.status();
    let url = res.url().to_string();
    let body = res.text().await.expect("body");
    assert!(status.is_success(), "{url}: {status} {body}");
    serde_json::from_str(&body).expect("json")
}

async fn token(app: &TestApp, email: &str) -> String {
    app.session_for(email).await.token
}

/// Sets a permission for an account, as an administrator.
async fn grant(app: &TestApp, admin: &str, account: &str, permission: &str, allowed: bool) {
    ok_json(
        send(
            app,
            Method::PUT,
            admin,
            "/api/v1/admin/permissions",
            Some(
                &json!({"scope": "account", "scope_id": account, "permission": permission,
                         "allowed": allowed}),
            ),
        )
        .await,
    )
    .await;
}

/// The first Monday at least a week ahead.
fn next_monday() -> NaiveDate {
    let mut d = Utc::now().date_naive() + Duration::days(7);
    while d.weekday() != Weekday::Mon {
        d += Duration::days(1);
    }
    d
}

/// The next spring clock change in the European Union (the last Sunday of March) that is
/// at least a week ahead.
fn next_eu_spring_change() -> NaiveDate {
    let today = Utc::now().date_naive();
    let mut year = today.year();
    loop {
        let mut d = NaiveDate::from_ymd_opt(year, 3, 31).expect("a date");
        while d.weekday() != Weekday::Sun {
            d -= Duration::days(1);
        }
        if d > today + Duration::days(7) {
            return d;
        }
        year += 1;
    }
}

fn weekdays(start: &str, end: &str) -> Value {
    Value::Array(
        (1..=5)
            .map(|d| json!({"weekday": d, "start": start, "end": end}))
            .collect(),
    )
}

/// Publishes availability as the user behind `token`.
async fn publish(app: &TestApp, token: &str, body: Value) -> Value {
    ok_json(
        send(
            app,
            Method::PUT,
            token,
            "/api/v1/me/availability",
            Some(&body),
        )
        .await,
    )
    .await
}

/// The demo data, customers of Globex allowed to schedule meetings, Northwind allowed into
/// the co-sell workspace, and the rep working 09:00-17:00 UTC on weekdays.
struct World {
    admin: String,
    rep: String,
    customer: String,
    partner: String,
    /// Globex platform rollout: shared to Globex, co-sold by Northwind, owned by the rep.
    deal: String,
}

async fn world(app: &TestApp) -> World {
    app.seed_demo().await;
    let admin = token(app, ADMIN).await;
    let globex = app.account_id("Globex Corporation").await;
    let northwind = app.account_id("Northwind Partners").await;
    grant(app, &admin, &globex, "schedule_meetings", true).await;
    grant(app, &admin, &northwind, "access_co_sell_workspace", true).await;
    let rep = token(app, REP).await;
    publish(
        app,
        &rep,
        json!({"time_zone": "UTC", "weekly": weekdays("09:00", "17:00"), "exceptions": []}),
    )
    .await;
    World {
        admin,
        rep,
        customer: token(app, CUSTOMER).await,
        partner: token(app, PARTNER).await,
        deal: app.demo_deal("demo-globex-rollout").await,
    }
}

fn at(date: NaiveDate, hh_mm: &str) -> String {
    format!("{date}T{hh_mm}:00Z")
}

async fn slot_starts(app: &TestApp, token: &str, deal: &str, query: &str) -> Vec<String> {
    let list = ok_json(
        send(
            app,
            Method::GET,
            token,
            &format!("/api/v1/deals/{deal}/slots?{query}"),
            None,
        )
        .await,
    )
    .await;
    list["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .map(|s| s["start"].as_str().expect("start").to_owned())
        .collect()
}

async fn book(app: &TestApp, token: &str, deal: &str, body: Value) -> reqwest::Response {
    send(
        app,
        Method::POST,
        token,
        &format!("/api/v1/deals/{deal}/meetings"),
        Some(&body),
    )
    .await
}

/// The meeting emails in the outbox to `to`, oldest first, as (subject, ics).
async fn invitations(app: &TestApp, to: &str) -> Vec<(String, String)> {
    let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT subject, ics_name, ics FROM outbox WHERE to_email = $1 AND kind = 'meeting' \
         ORDER BY id",
    )
    .bind(to)
    .fetch_all(&app.db.pool)
    .await
    .expect("outbox");
    rows.into_iter()
        .map(|(subject, name, ics)| {
            assert!(name.is_some_and(|n| n.ends_with(".ics")));
            // Long lines are folded (RFC 5545 §3.1); read them whole.
            let ics = ics.expect("an attached calendar entry");
            (subject, ics.replace("\r\n ", ""))
        })
        .collect()
}

fn has_line(ics: &str, line: &str) -> bool {
    ics.split("\r\n").any(|l| l == line)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}

// ---------------------------------------------------------------------------------------

async fn availability_names_every_bad_field_and_is_read_back_as_published(app: TestApp) {
    let w = world(&app).await;
    let res = send(
        &app,
        Method::PUT,
        &w.rep,
        "/api/v1/me/availability",
        Some(&json!({
            "time_zone": "Europe/Atlantis",
            "weekly": [
                {"weekday": 1, "start": "09:00", "end": "12:00"},
                {"weekday": 1, "start": "11:30", "end": "14:00"},
                {"weekday": 2, "start": "17:00", "end": "09:00"},
                {"weekday": 9, "start": "09:00", "end": "10:00"}
            ],
            "exceptions": [
                {"date": "2027-02-30"},
                {"date": "2027-03-01", "start": "10:00"}
            ]
        })),
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "exceptions[0].date",
            "exceptions[1].end",
            "time_zone",
            "weekly[1]",
            "weekly[2].end",
            "weekly[3].weekday",
        ]
    );
    // Nothing changed: the earlier availability stands.
    let mine = ok_json(app.get_as(&w.rep, "/api/v1/me/availability").await).await;
    assert_eq!(mine["time_zone"], "UTC");
    assert_eq!(mine["weekly"].as_array().map(Vec::len), Some(5));
    let published = publish(
        &app,
        &w.rep,
        json!({"time_zone": "Europe/Berlin",
               "weekly": [{"weekday": 3, "start": "14:00", "end": "18:00"},
                          {"weekday": 3, "start": "08:00", "end": "12:00"}],
               "exceptions": [{"date": "2027-01-06"},
                              {"date": "2027-01-07", "start": "10:00", "end": "12:00"}]}),
    )
    .await;
    assert_eq!(published["weekly"][0]["start"], "08:00");
    assert_eq!(
        ok_json(app.get_as(&w.rep, "/api/v1/me/availability").await).await,
        published
    );
    // Customers book; they publish no availability.
    let res = send(
        &app,
        Method::PUT,
        &w.customer,
        "/api/v1/me/availability",
        Some(&json!({"time_zone": "UTC", "weekly": [], "exceptions": []})),
    )
    .await;
    assert_problem(res, 403, "forbidden").await;
    assert!(
        app.audit_trail()
            .await
            .iter()
            .any(|(action, _)| action == "availability.set")
    );
}

async fn slots_show_the_reps_hours_in_the_customers_zone_across_a_clock_change(app: TestApp) {
    let w = world(&app).await;
    let change = next_eu_spring_change();
    let friday = change - Duration::days(2);
    let monday = change + Duration::days(1);
    let tuesday = change + Duration::days(2);
    publish(
        &app,
        &w.rep,
        json!({"time_zone": "Europe/Berlin", "weekly": weekdays("09:00", "17:00"),
               "exceptions": [{"date": tuesday.to_string()}]}),
    )
    .await;
    let list = ok_json(
        app.get_as(
            &w.customer,
            &format!(
                "/api/v1/deals/{}/slots?from={friday}&days=6&tz=America/New_York",
                w.deal
            ),
        )
        .await,
    )
    .await;
    assert_eq!(list["time_zone"], "America/New_York");
    assert_eq!(list["duration_minutes"], 30);
    assert!(list["hosts"][0]["name"].is_string());
    let slots = list["slots"].as_array().expect("slots");
    let on = |date: NaiveDate| -> Vec<&Value> {
        slots
            .iter()
            .filter(|s| {
                s["start"]
                    .as_str()
                    .is_some_and(|t| t.starts_with(&date.to_string()))
            })
            .collect()
    };
    // Friday in Berlin's winter time: 09:00 there is 08:00 UTC, 04:00 in New York (which
    // moved to summer time earlier in March).
    let fri = on(friday);
    assert_eq!(fri.len(), 16);
    assert_eq!(fri[0]["start"], at(friday, "08:00"));
    assert_eq!(fri[0]["local_start"], format!("{friday}T04:00:00-04:00"));
    assert_eq!(fri[15]["end"], at(friday, "16:00"));
    // No weekend; on Monday Berlin is on summer time: 09:00 is 07:00 UTC, 03:00 in New York.
    assert!(on(friday + Duration::days(1)).is_empty());
    assert!(on(change).is_empty());
    let mon = on(monday);
    assert_eq!(mon.len(), 16);
    assert_eq!(mon[0]["start"], at(monday, "07:00"));
    assert_eq!(mon[0]["local_start"], format!("{monday}T03:00:00-04:00"));
    assert_eq!(mon[0]["local_end"], format!("{monday}T03:30:00-04:00"));
    // The day off removes Tuesday; Wednesday is back.
    assert!(on(tuesday).is_empty());
    assert_eq!(on(tuesday + Duration::days(1)).len(), 16);
    // An hour-long meeting fits 15 times in an eight-hour day on the half-hour grid.
    let long = slot_starts(
        &app,
        &w.customer,
        &w.deal,
        &format!("from={monday}&days=1&duration=60&tz=Europe/Berlin"),
    )
    .await;
    assert_eq!(long.len(), 15);
    // Bad questions name their fields.
    let res = app
        .get_as(
            &w.customer,
            &format!(
                "/api/v1/deals/{}/slots?from=tomorrow&days=40&duration=7&tz=Mars/Base",
                w.deal
            ),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["days", "duration", "from", "tz"]);
    // Dates beyond the horizon are refused, not overflowed.
    for query in ["from=9999-12-31&days=31", "from=-0001-01-01"] {
        let res = app
            .get_as(
                &w.customer,
                &format!("/api/v1/deals/{}/slots?{query}", w.deal),
            )
            .await;
        assert_problem(res, 422, "validation_failed").await;
    }
    let res = book(
        &app,
        &w.customer,
        &w.deal,
        json!({"start": "9999-12-31T23:30:00Z", "duration_minutes": 480, "subject": "Far"}),
    )
    .await;
    assert_problem(res, 422, "validation_failed").await;
}

async fn a_customer_books_a_slot_and_every_attendee_gets_a_calendar_invitation(app: TestApp) {
    let w = world(&app).await;
    let monday = next_monday();
    let query = format!("from={monday}&days=1");
    let before = slot_starts(&app, &w.customer, &w.deal, &query).await;
    assert_eq!(before.len(), 16);
    assert_eq!(before[0], at(monday, "09:00"));
    // Bad input names every field and writes nothing.
    let res = book(
        &app,
        &w.customer,
        &w.deal,
        json!({"start": "Monday morning", "duration_minutes": 7, "subject": " ",
               "audience": "internal"}),
    )
    .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["audience", "duration_minutes", "start", "subject"]);
    let res = book(
        &app,
        &w.customer,
        &w.deal,
        json!({"start": format!("{monday}T09:15:00Z"), "duration_minutes": 30, "subject": "Off grid"}),
    )
    .await;
    assert_problem(res, 422, "validation_failed").await;
    // Outside the rep's hours: not free.
    let res = book(
        &app,
        &w.customer,
        &w.deal,
        json!({"start": at(monday, "18:00"), "duration_minutes": 30, "subject": "Late"}),
    )
    .await;
    assert_problem(res, 409, "conflict").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM meetings").await, 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM outbox WHERE kind = 'meeting'").await,
        0
    );

    let res = book(
        &app,
        &w.customer,
        &w.deal,
        json!({"start": at(monday, "09:00"), "duration_minutes": 60,
               "subject": "Contract walkthrough", "notes": "Bring the redlines."}),
    )
    .await;
    assert_eq!(res.status(), 201);
    let meeting = ok_json(res).await;
    assert_eq!(meeting["audience"], "customer");
    assert_eq!(meeting["status"], "scheduled");
    assert_eq!(meeting["start"], at(monday, "09:00"));
    assert_eq!(meeting["end"], at(monday, "10:00"));
    assert_eq!(meeting["sequence"], 0);
    let rep_id = app.user_id(REP).await;
    assert_eq!(meeting["hosts"][0]["id"], rep_id.as_str());
    assert_eq!(
        meeting["booked_by"]["id"],
        app.user_id(CUSTOMER).await.as_str()
    );
    let id = meeting["id"].as_str().expect("id").to_owned();
    // The hour is gone from the slots (both half-hours, and the half-hour before for a
    // one-hour meeting).
    let after = slot_starts(&app, &w.customer, &w.deal, &query).await;
    assert_eq!(after.len(), 14);
    assert!(!after.contains(&at(monday, "09:00")));
    assert!(!after.contains(&at(monday, "09:30")));
    // Both attendees have the invitation, with the same stable UID.
    for who in [CUSTOMER, REP] {
        let mails = invitations(&app, who).await;
        assert_eq!(mails.len(), 1, "{who}");
        let (subject, ics) = &mails[0];
        assert!(subject.contains("Contract walkthrough"), "{subject}");
        for line in [
            "METHOD:REQUEST".to_owned(),
            format!("UID:meeting-{id}@portcullis"),
            "SEQUENCE:0".to_owned(),
            format!("DTSTART:{}T090000Z", monday.format("%Y%m%d")),
            format!("DTEND:{}T100000Z", monday.format("%Y%m%d")),
            "STATUS:CONFIRMED".to_owned(),
        ] {
            assert!(has_line(ics, &line), "{line} in {ics}");
        }
        assert!(ics.contains("mailto:rep@portcullis.example"), "{ics}");
    }
    // An internal event on the deal's timeline: staff see it, the customer does not.
    let staff = ok_json(
        app.get_as(&w.admin, &format!("/api/v1/deals/{}/timeline", w.deal))
            .await,
    )
    .await;
    let event = staff["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["kind"] == "meeting_booked")
        .expect("the booking on the timeline")
        .clone();
    assert_eq!(event["shared"], false);
    let theirs = ok_json(
        app.get_as(&w.customer, &format!("/api/v1/deals/{}/timeline", w.deal))
            .await,
    )
    .await;
    assert!(!theirs.to_string().contains("meeting_booked"));
    assert!(
        app.audit_trail()
            .await
            .iter()
            .any(|(action, _)| action == "meeting.book")
    );
    // The meeting is listed for the customer and the rep.
    for t in [&w.customer, &w.rep] {
        let list = ok_json(app.get_as(t, "/api/v1/meetings?upcoming=true").await).await;
        assert_eq!(list["items"][0]["id"], id.as_str());
        let on_deal = ok_json(
            app.get_as(t, &format!("/api/v1/deals/{}/meetings", w.deal))
                .await,
        )
        .await;
        assert_eq!(on_deal["items"].as_array().map(Vec::len), Some(1));
    }
}

async fn twenty_simultaneous_bookings_of_one_slot_let_exactly_one_through(app: TestApp) {
    let w = world(&app).await;
    let start = at(next_monday(), "11:00");
    let mut tasks = Vec::new();
    for i in 0..20 {
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/deals/{}/meetings", w.deal));
        let token = if i % 2 == 0 {
            w.customer.clone()
        } else {
            w.rep.clone()
        };
        let body = json!({"start": start, "duration_minutes": 30, "subject": format!("Race {i}"),
                          "audience": if i % 2 == 0 { "customer" } else { "both" }});
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("sent")
        }));
    }
    let mut created = 0;
    let mut conflicts = 0;
    for t in tasks {
        let res = t.await.expect("joined");
        match res.status().as_u16() {
            201 => created += 1,
            409 => {
                assert_problem(res, 409, "conflict").await;
                conflicts += 1;
            }
            other => panic!(
                "unexpected {other}: {}",
                res.text().await.unwrap_or_default()
            ),
        }
    }
    assert_eq!((created, conflicts), (1, 19));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM meetings").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM meeting_holds").await, 1);
    // One booking, one invitation each for its two attendees (or one, when the rep booked).
    let mails = count(&app, "SELECT COUNT(*) FROM outbox WHERE kind = 'meeting'").await;
    assert!((1..=2).contains(&mails), "{mails}");
}

async fn moving_a_meeting_frees_its_old_time_and_cancelling_frees_it_with_a_cancellation(
    app: TestApp,
) {
    let w = world(&app).await;
    let monday = next_monday();
    let query = format!("from={monday}&days=1");
    let meeting = ok_json(
        book(
            &app,
            &w.customer,
            &w.deal,
            json!({"start": at(monday, "09:00"), "duration_minutes": 30, "subject": "Kick-off"}),
        )
        .await,
    )
    .await;
    let id = meeting["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/meetings/{id}");
    // Not into the rep's evening, nor badly.
    let res = send(
        &app,
        Method::PATCH,
        &w.customer,
        &path,
        Some(&json!({"start": at(monday, "20:00")})),
    )
    .await;
    assert_problem(res, 409, "conflict").await;
    let res = send(
        &app,
        Method::PATCH,
        &w.customer,
        &path,
        Some(&json!({"start": "soon", "duration_minutes": 0})),
    )
    .await;
    assert_problem(res, 422, "validation_failed").await;
    // Moving it into its own time plus the next half-hour works: the old cells are given back
    // in the same transaction.
    let moved = ok_json(
        send(
            &app,
            Method::PATCH,
            &w.customer,
            &path,
            Some(&json!({"start": at(monday, "09:00"), "duration_minutes": 60})),
        )
        .await,
    )
    .await;
    assert_eq!(moved["end"], at(monday, "10:00"));
    let moved = ok_json(
        send(
            &app,
            Method::PATCH,
            &w.customer,
            &path,
            Some(&json!({"start": at(monday, "10:00")})),
        )
        .await,
    )
    .await;
    assert_eq!(moved["start"], at(monday, "10:00"));
    assert_eq!(moved["duration_minutes"], 60);
    assert_eq!(moved["sequence"], 2);
    let slots = slot_starts(&app, &w.customer, &w.deal, &query).await;
    assert!(slots.contains(&at(monday, "09:00")));
    assert!(!slots.contains(&at(monday, "10:00")));
    assert!(!slots.contains(&at(monday, "10:30")));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM meeting_holds").await, 2);
    // The old time can be booked again; the new one cannot.
    let res = book(
        &app,
        &w.rep,
        &w.deal,
        json!({"start": at(monday, "10:30"), "duration_minutes": 30, "subject": "Clash"}),
    )
    .await;
    assert_problem(res, 409, "conflict").await;
    let other = ok_json(
        book(
            &app,
            &w.rep,
            &w.deal,
            json!({"start": at(monday, "09:00"), "duration_minutes": 30, "subject": "Prep"}),
        )
        .await,
    )
    .await;
    assert_eq!(other["audience"], "internal");
    let mails = invitations(&app, CUSTOMER).await;
    assert_eq!(mails.len(), 3);
    assert!(has_line(&mails[2].1, "SEQUENCE:2"), "{}", mails[2].1);
    assert!(has_line(&mails[2].1, "METHOD:REQUEST"));
    assert!(has_line(
        &mails[2].1,
        &format!("UID:meeting-{id}@portcullis")
    ));

    let cancelled = ok_json(
        send(
            &app,
            Method::POST,
            &w.customer,
            &format!("{path}/cancel"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["sequence"], 3);
    assert!(cancelled["cancelled_at"].is_string());
    let slots = slot_starts(&app, &w.customer, &w.deal, &query).await;
    assert!(slots.contains(&at(monday, "10:00")));
    assert!(slots.contains(&at(monday, "10:30")));
    for who in [CUSTOMER, REP] {
        let mails = invitations(&app, who).await;
        let (subject, ics) = mails.last().expect("the cancellation");
        assert!(subject.starts_with("Meeting cancelled"), "{subject}");
        assert!(has_line(ics, "METHOD:CANCEL"), "{ics}");
        assert!(has_line(ics, "STATUS:CANCELLED"), "{ics}");
        assert!(has_line(ics, "SEQUENCE:3"), "{ics}");
        assert!(
            has_line(ics, &format!("UID:meeting-{id}@portcullis")),
            "{ics}"
        );
    }
    // Cancelled is final.
    let res = send(
        &app,
        Method::POST,
        &w.customer,
        &format!("{path}/cancel"),
        None,
    )
    .await;
    assert_problem(res, 409, "conflict").await;
    let res = send(
        &app,
        Method::PATCH,
        &w.customer,
        &path,
        Some(&json!({"start": at(monday, "13:00")})),
    )
    .await;
    assert_problem(res, 409, "conflict").await;
    let upcoming = ok_json(
        app.get_as(&w.customer, "/api/v1/meetings?upcoming=true")
            .await,
    )
    .await;
    assert_eq!(upcoming["items"].as_array().map(Vec::len), Some(0));
    let timeline = ok_json(
        app.get_as(&w.admin, &format!("/api/v1/deals/{}/timeline", w.deal))
            .await,
    )
    .await;
    for kind in ["meeting_booked", "meeting_rescheduled", "meeting_cancelled"] {
        assert!(timeline.to_string().contains(kind), "{kind}");
    }
}

async fn a_co_selling_partner_books_the_time_both_teams_share(app: TestApp) {
    let w = world(&app).await;
    let monday = next_monday();
    let query = format!("from={monday}&days=1");
    // The partner's responsible user works 13:00-20:00 UTC: together, 13:00-17:00.
    publish(
        &app,
        &w.partner,
        json!({"time_zone": "UTC", "weekly": weekdays("13:00", "20:00"), "exceptions": []}),
    )
    .await;
    let list = ok_json(
        app.get_as(
            &w.partner,
            &format!("/api/v1/deals/{}/slots?{query}", w.deal),
        )
        .await,
    )
    .await;
    let hosts: Vec<&str> = list["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .map(|h| h["id"].as_str().expect("id"))
        .collect();
    let rep_id = app.user_id(REP).await;
    let partner_id = app.user_id(PARTNER).await;
    assert_eq!(hosts, [rep_id.as_str(), partner_id.as_str()]);
    let slots = slot_starts(&app, &w.partner, &w.deal, &query).await;
    assert_eq!(slots.len(), 8);
    assert_eq!(slots[0], at(monday, "13:00"));
    // The customer still books the rep alone.
    assert_eq!(
        slot_starts(&app, &w.customer, &w.deal, &query).await.len(),
        16
    );
    // A partner's meeting is for the partner side only.
    let res = book(&app, &w.partner, &w.deal,
        json!({"start": at(monday, "13:00"), "duration_minutes": 30, "subject": "Joint plan", "audience": "customer"})).await;
    assert_problem(res, 422, "validation_failed").await;
    let res = book(
        &app,
        &w.partner,
        &w.deal,
        json!({"start": at(monday, "10:00"), "duration_minutes": 30, "subject": "Joint plan"}),
    )
    .await;
    assert_problem(res, 409, "conflict").await;
    let meeting = ok_json(
        book(
            &app,
            &w.partner,
            &w.deal,
            json!({"start": at(monday, "13:00"), "duration_minutes": 30, "subject": "Joint plan"}),
        )
        .await,
    )
    .await;
    assert_eq!(meeting["audience"], "partner");
    assert_eq!(meeting["hosts"].as_array().map(Vec::len), Some(2));
    // Both hosts' time is held: the customer's 13:00 is gone too.
    assert!(
        !slot_starts(&app, &w.customer, &w.deal, &query)
            .await
            .contains(&at(monday, "13:00"))
    );
    assert_eq!(invitations(&app, PARTNER).await.len(), 1);
    assert_eq!(invitations(&app, REP).await.len(), 1);
    let ics = &invitations(&app, REP).await[0].1;
    assert!(ics.contains("mailto:partner@northwind.example"), "{ics}");
    // The customer never sees the partner's meeting; the partner never sees the customer's.
    let customers = ok_json(
        book(&app, &w.customer, &w.deal,
            json!({"start": at(monday, "09:00"), "duration_minutes": 30, "subject": "Customer only"})).await,
    )
    .await;
    let partner_meeting = meeting["id"].as_str().expect("id");
    let customer_meeting = customers["id"].as_str().expect("id");
    let res = app
        .get_as(&w.customer, &format!("/api/v1/meetings/{partner_meeting}"))
        .await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .get_as(&w.partner, &format!("/api/v1/meetings/{customer_meeting}"))
        .await;
    assert_problem(res, 404, "not_found").await;
    let res = send(
        &app,
        Method::POST,
        &w.partner,
        &format!("/api/v1/meetings/{customer_meeting}/cancel"),
        None,
    )
    .await;
    assert_problem(res, 404, "not_found").await;
    let theirs = ok_json(
        app.get_as(&w.partner, &format!("/api/v1/deals/{}/meetings", w.deal))
            .await,
    )
    .await;
    assert_eq!(theirs["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(theirs["items"][0]["id"], partner_meeting);
    let all = ok_json(
        app.get_as(&w.partner, "/api/v1/meetings?upcoming=true")
            .await,
    )
    .await;
    assert!(!all.to_string().contains(customer_meeting));
    let staff = ok_json(
        app.get_as(&w.rep, &format!("/api/v1/deals/{}/meetings", w.deal))
            .await,
    )
    .await;
    assert_eq!(staff["items"].as_array().map(Vec::len), Some(2));
}

async fn who_may_schedule_and_what_others_get(app: TestApp) {
    let w = world(&app).await;
    let monday = next_monday();
    let globex = app.account_id("Globex Corporation").await;
    let northwind = app.account_id("Northwind Partners").await;
    let meeting = ok_json(
        book(
            &app,
            &w.customer,
            &w.deal,
            json!({"start": at(monday, "09:00"), "duration_minutes": 30, "subject": "Review"}),
        )
        .await,
    )
    .await;
    let id = meeting["id"].as_str().expect("id").to_owned();
    // Another account's customer: Globex's deal and meeting do not exist for them.
    grant(
        &app,
        &w.admin,
        &app.account_id("Initech").await,
        "schedule_meetings",
        true,
    )
    .await;
    let initech = token(&app, OTHER_CUSTOMER).await;
    for path in [
        format!("/api/v1/deals/{}/slots?from={monday}", w.deal),
        format!("/api/v1/deals/{}/meetings", w.deal),
        format!("/api/v1/meetings/{id}"),
    ] {
        assert_problem(app.get_as(&initech, &path).await, 404, "not_found").await;
    }
    let res = book(
        &app,
        &initech,
        &w.deal,
        json!({"start": at(monday, "10:00"), "duration_minutes": 30, "subject": "Sneak"}),
    )
    .await;
    assert_problem(res, 404, "not_found").await;
    let res = send(
        &app,
        Method::PATCH,
        &initech,
        &format!("/api/v1/meetings/{id}"),
        Some(&json!({"start": at(monday, "11:00")})),
    )
    .await;
    assert_problem(res, 404, "not_found").await;
    let list = ok_json(app.get_as(&initech, "/api/v1/meetings").await).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0));
    // A customer's unshared deal is as unknown as another account's.
    let unshared = app.demo_deal("demo-globex-analytics").await;
    assert_problem(
        app.get_as(&w.customer, &format!("/api/v1/deals/{unshared}/slots"))
            .await,
        404,
        "not_found",
    )
    .await;
    // A company-only meeting is invisible to the customer.
    let internal = ok_json(
        book(&app, &w.rep, &w.deal,
            json!({"start": at(monday, "14:00"), "duration_minutes": 30, "subject": "Pricing prep"})).await,
    )
    .await;
    let internal_id = internal["id"].as_str().expect("id");
    assert_problem(
        app.get_as(&w.customer, &format!("/api/v1/meetings/{internal_id}"))
            .await,
        404,
        "not_found",
    )
    .await;
    // A both-sides meeting the company set up: the customer reads it but may not move it.
    let both = ok_json(
        book(&app, &w.rep, &w.deal,
            json!({"start": at(monday, "15:00"), "duration_minutes": 30, "subject": "All hands", "audience": "both"})).await,
    )
    .await;
    let both_id = both["id"].as_str().expect("id");
    ok_json(
        app.get_as(&w.customer, &format!("/api/v1/meetings/{both_id}"))
            .await,
    )
    .await;
    let res = send(
        &app,
        Method::POST,
        &w.customer,
        &format!("/api/v1/meetings/{both_id}/cancel"),
        None,
    )
    .await;
    assert_problem(res, 403, "forbidden").await;
    // Without "Schedule meetings" a customer may do nothing here; without the co-sell
    // workspace a partner neither.
    grant(&app, &w.admin, &globex, "schedule_meetings", false).await;
    grant(
        &app,
        &w.admin,
        &northwind,
        "access_co_sell_workspace",
        false,
    )
    .await;
    for email in [CUSTOMER, PARTNER] {
        let t = token(&app, email).await;
        for path in [
            format!("/api/v1/deals/{}/slots?from={monday}", w.deal),
            format!("/api/v1/deals/{}/meetings", w.deal),
            format!("/api/v1/meetings/{id}"),
            "/api/v1/meetings".to_owned(),
        ] {
            assert_problem(app.get_as(&t, &path).await, 403, "forbidden").await;
        }
        let res = book(
            &app,
            &t,
            &w.deal,
            json!({"start": at(monday, "11:00"), "duration_minutes": 30, "subject": "Denied"}),
        )
        .await;
        assert_problem(res, 403, "forbidden").await;
        let res = send(
            &app,
            Method::POST,
            &t,
            &format!("/api/v1/meetings/{id}/cancel"),
            None,
        )
        .await;
        assert_problem(res, 403, "forbidden").await;
    }
    // Every staff role reaches the deal (the channel manager through its partner link).
    for role in [
        Role::Admin,
        Role::Manager,
        Role::ChannelManager,
        Role::SalesRep,
    ] {
        let t = token(&app, caller(role)).await;
        let list = ok_json(
            app.get_as(&t, &format!("/api/v1/deals/{}/meetings", w.deal))
                .await,
        )
        .await;
        assert_eq!(list["items"].as_array().map(Vec::len), Some(3), "{role:?}");
    }
    // The rep sees no deal outside their reach.
    let manager_deal = ok_json(
        send(
            &app,
            Method::POST,
            &w.admin,
            "/api/v1/deals",
            Some(&json!({"account_id": globex, "name": "Manager's own",
                         "owner_id": app.user_id(caller(Role::Manager)).await})),
        )
        .await,
    )
    .await;
    let other = manager_deal["id"].as_str().expect("id");
    assert_problem(
        app.get_as(&w.rep, &format!("/api/v1/deals/{other}/meetings"))
            .await,
        404,
        "not_found",
    )
    .await;
    // Anonymous callers are turned away.
    let res = app.get(&format!("/api/v1/deals/{}/slots", w.deal)).await;
    assert_eq!(res.status(), 401);
}

/// Markers planted in the meetings one side may not read.
const INTERNAL_MARKER: &str = "ZZQX-MEET-INTERNAL-3318";
const PARTNER_MARKER: &str = "ZZQX-MEET-PARTNER-5521";
const CUSTOMER_MARKER: &str = "ZZQX-MEET-CUSTOMER-9902";

async fn no_meeting_reaches_a_side_it_is_not_for(app: TestApp) {
    let w = world(&app).await;
    let monday = next_monday();
    publish(
        &app,
        &w.partner,
        json!({"time_zone": "UTC", "weekly": weekdays("09:00", "17:00"), "exceptions": []}),
    )
    .await;
    let mut ids = Vec::new();
    for (t, hh, marker, audience) in [
        (&w.rep, "09:00", INTERNAL_MARKER, Some("internal")),
        (&w.partner, "10:00", PARTNER_MARKER, None),
        (&w.customer, "11:00", CUSTOMER_MARKER, None),
    ] {
        let mut body = json!({"start": at(monday, hh), "duration_minutes": 30,
                              "subject": format!("Plan {marker}"), "notes": format!("Notes {marker}")});
        if let Some(a) = audience {
            body["audience"] = json!(a);
        }
        let m = ok_json(book(&app, t, &w.deal, body).await).await;
        ids.push(m["id"].as_str().expect("id").to_owned());
    }
    // The internal meeting moved and the partner's cancelled: their events carry the marker.
    ok_json(
        send(
            &app,
            Method::PATCH,
            &w.rep,
            &format!("/api/v1/meetings/{}", ids[0]),
            Some(&json!({"start": at(monday, "12:00")})),
        )
        .await,
    )
    .await;
    ok_json(
        send(
            &app,
            Method::POST,
            &w.partner,
            &format!("/api/v1/meetings/{}/cancel", ids[1]),
            None,
        )
        .await,
    )
    .await;
    let mut paths = vec![
        "/api/v1/meetings".to_owned(),
        "/api/v1/meetings?upcoming=true".to_owned(),
        format!("/api/v1/deals/{}/meetings", w.deal),
        format!("/api/v1/deals/{}/slots?from={monday}&days=2", w.deal),
        format!("/api/v1/deals/{}/timeline?limit=200", w.deal),
        format!("/api/v1/deals/{}", w.deal),
    ];
    paths.extend(ids.iter().map(|id| format!("/api/v1/meetings/{id}")));
    let mut searched = 0;
    for (t, forbidden) in [
        (&w.customer, [INTERNAL_MARKER, PARTNER_MARKER]),
        (&w.partner, [INTERNAL_MARKER, CUSTOMER_MARKER]),
    ] {
        for path in &paths {
            let body = app.get_as(t, path).await.text().await.expect("body");
            searched += 1;
            for marker in forbidden {
                assert!(!body.contains(marker), "{path} leaked {marker}: {body}");
            }
        }
    }
    // Staff read every one of them.
    let staff = app
        .get_as(&w.rep, &format!("/api/v1/deals/{}/meetings", w.deal))
        .await
        .text()
        .await
        .expect("body");
    for marker in [INTERNAL_MARKER, PARTNER_MARKER, CUSTOMER_MARKER] {
        assert!(staff.contains(marker), "{marker}");
    }
    eprintln!("planted meeting markers: {searched} responses searched, no hit");
}

on_both_backends!(
    no_meeting_reaches_a_side_it_is_not_for,
    availability_names_every_bad_field_and_is_read_back_as_published,
    slots_show_the_reps_hours_in_the_customers_zone_across_a_clock_change,
    a_customer_books_a_slot_and_every_attendee_gets_a_calendar_invitation,
    twenty_simultaneous_bookings_of_one_slot_let_exactly_one_through,
    moving_a_meeting_frees_its_old_time_and_cancelling_frees_it_with_a_cancellation,
    a_co_selling_partner_books_the_time_both_teams_share,
    who_may_schedule_and_what_others_get,
);

/// The meeting operations, as (method, path) for the API-wide coverage check; who may call
/// each is tested by `who_may_schedule_and_what_others_get` above.
pub fn operations() -> Vec<(String, String)> {
    [
        ("GET", "/api/v1/me/availability"),
        ("PUT", "/api/v1/me/availability"),
        ("GET", "/api/v1/deals/{deal}/slots"),
        ("GET", "/api/v1/deals/{deal}/meetings"),
        ("POST", "/api/v1/deals/{deal}/meetings"),
        ("GET", "/api/v1/meetings"),
        ("GET", "/api/v1/meetings/{meeting}"),
        ("PATCH", "/api/v1/meetings/{meeting}"),
        ("POST", "/api/v1/meetings/{meeting}/cancel"),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_owned(), p.to_owned()))
    .collect()
}

/// Delivery by SMTP: the calendar entry travels as a `text/calendar` part.
mod delivered {
    use super::*;
    use portcullis_tests::{Backend, SmtpServer, eventually, free_port, on_both_backends_starting};

    async fn a_booking_arrives_by_smtp_with_its_calendar_invitation(backend: Backend) {
        let port = free_port();
        let smtp = SmtpServer::start(port).await;
        let url = format!("smtp://127.0.0.1:{port}");
        let app = TestApp::spawn_with(backend, &[("PORTCULLIS_SMTP_URL", &url)])
            .await
            .expect("an app");
        let w = world(&app).await;
        let res = book(
            &app,
            &w.customer,
            &w.deal,
            json!({"start": at(next_monday(), "09:00"), "duration_minutes": 30, "subject": "Demo"}),
        )
        .await;
        assert_eq!(res.status(), 201);
        eventually(60, "both invitations are delivered", || async {
            smtp.messages().len() == 2
        })
        .await;
        for message in smtp.messages() {
            assert!(
                message.contains("text/calendar; method=REQUEST"),
                "{message}"
            );
            assert!(message.contains("invite.ics"), "{message}");
        }
    }

    on_both_backends_starting!(a_booking_arrives_by_smtp_with_its_calendar_invitation);
}
