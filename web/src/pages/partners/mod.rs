//! The partner programme's screens: in a partner portal, registering deals (with the live
//! conflict check and the signed receipt), the organisation's registrations and referrals;
//! in the console, the approval queue, one registration's review beside its matches, and
//! staff's tasks. Notifications serve both audiences.

pub mod console;
pub mod notifications;
pub mod portal;

use leptos::prelude::*;
use portcullis_shared::FieldError;
use portcullis_shared::partners::{ConflictKind, ReferralStatus, RegistrationStatus};
use wasm_bindgen::JsCast;

pub fn status_label(s: RegistrationStatus) -> &'static str {
    match s {
        RegistrationStatus::Submitted => "Awaiting review",
        RegistrationStatus::Approved => "Approved",
        RegistrationStatus::Rejected => "Rejected",
        RegistrationStatus::Won => "Won",
        RegistrationStatus::Lost => "Lost",
        RegistrationStatus::Expired => "Expired",
    }
}

/// A registration's status as a badge.
pub fn status_badge(s: RegistrationStatus) -> impl IntoView {
    view! { <span class=format!("badge {s}")>{status_label(s)}</span> }
}

pub fn referral_label(s: ReferralStatus) -> &'static str {
    match s {
        ReferralStatus::Submitted => "Submitted",
        ReferralStatus::Accepted => "Accepted",
        ReferralStatus::InPipeline => "In the pipeline",
        ReferralStatus::Won => "Won",
        ReferralStatus::Lost => "Lost",
    }
}

/// How much a conflict matters, as a class for its hint or badge.
pub fn conflict_class(c: ConflictKind) -> &'static str {
    match c {
        ConflictKind::None => "conflict none",
        ConflictKind::OwnDuplicate => "conflict own",
        ConflictKind::ExistingCustomer => "conflict customer",
        ConflictKind::OtherPartner => "conflict other",
    }
}

/// The browser's date today as `YYYY-MM-DD` (the close date must not be before it).
pub fn today() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date()
    )
}

/// Whole days since an RFC 3339 time.
pub fn age_days(rfc3339: &str) -> i64 {
    let then = js_sys::Date::parse(rfc3339);
    if then.is_nan() {
        return 0;
    }
    ((js_sys::Date::now() - then) / 86_400_000.0)
        .floor()
        .max(0.0) as i64
}

/// A key for one filling of a form: a repeated submission with it (a double click, a retry
/// after a lost answer) is answered with the first result instead of being done twice.
pub fn idempotency_key() -> String {
    format!(
        "web-{:x}-{:x}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64
    )
}

/// Saves an object URL as a file with this name, then lets the URL go.
pub fn save_file(url: &str, filename: &str) {
    let anchor = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok());
    if let Some(a) = anchor {
        a.set_href(url);
        a.set_download(filename);
        a.click();
    }
    let url = url.to_owned();
    // Revoked once the browser has started the download.
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(10),
    );
}

/// The errors a form shows beside its fields: the shared rules' as the user types (for the
/// fields they have touched), and the server's after a submission.
#[derive(Clone, Copy)]
pub struct FieldErrors {
    /// Starts the ids of the error messages.
    pub prefix: &'static str,
    pub errors: Signal<Vec<FieldError>>,
    /// The fields the user has typed in or left; only their errors show until submission.
    pub touched: RwSignal<Vec<&'static str>>,
}

impl FieldErrors {
    pub fn touch(self, field: &'static str) {
        if !self.touched.with_untracked(|t| t.contains(&field)) {
            self.touched.update(|t| t.push(field));
        }
    }

    /// A labelled text input for `field`, with its error under it.
    pub fn input(
        self,
        id: &'static str,
        field: &'static str,
        label: &'static str,
        kind: &'static str,
        value: RwSignal<String>,
    ) -> impl IntoView {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type=kind autocomplete="off" prop:value=move || value.get()
                    aria-invalid=self.invalid(field) aria-describedby=self.described(field)
                    on:input=move |ev| { value.set(event_target_value(&ev)); self.touch(field); }
                    on:blur=move |_| self.touch(field)/>
                {self.show(field, label)}
            </div>
        }
    }

    fn message(&self, field: &'static str) -> Option<String> {
        self.errors.with(|es| {
            es.iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone())
        })
    }

    /// `aria-invalid` for the field's input.
    pub fn invalid(self, field: &'static str) -> impl Fn() -> Option<&'static str> {
        move || self.message(field).map(|_| "true")
    }

    /// `aria-describedby` for the field's input: its error, when it has one.
    pub fn described(self, field: &'static str) -> impl Fn() -> Option<String> {
        move || {
            self.message(field)
                .map(|_| format!("{}-{field}-error", self.prefix))
        }
    }

    /// The field's error under it, if any. `label` starts the sentence ("Company is required").
    pub fn show(self, field: &'static str, label: &'static str) -> impl IntoView {
        move || {
            self.message(field).map(|m| {
                view! { <p class="error field-error" id=format!("{}-{field}-error", self.prefix)>{format!("{label} {m}.")}</p> }
            })
        }
    }
}
