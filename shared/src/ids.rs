//! Typed identifiers. Every record's id is a UUIDv7 string on the wire and in the database;
//! in code each kind has its own type, so a user's id cannot be passed where an account's is
//! expected. `#[serde(transparent)]` keeps the wire form a plain string.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),+ $(,)?) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
            #[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
            #[serde(transparent)]
            pub struct $name(String);

            impl $name {
                /// Wraps a stored or received id.
                pub fn new(id: impl Into<String>) -> $name {
                    $name(id.into())
                }

                /// The id as stored and sent.
                pub fn as_str(&self) -> &str {
                    &self.0
                }

                /// The id, unwrapped.
                pub fn into_inner(self) -> String {
                    self.0
                }
            }

            impl std::fmt::Display for $name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(&self.0)
                }
            }

            /// Reads as the string it wraps, so it can be bound and compared as text; it is
            /// made only on purpose (`new`, `from`), so ids of different kinds never mix.
            impl std::ops::Deref for $name {
                type Target = str;
                fn deref(&self) -> &str {
                    &self.0
                }
            }

            impl From<$name> for String {
                fn from(id: $name) -> String {
                    id.0
                }
            }

            impl PartialEq<str> for $name {
                fn eq(&self, other: &str) -> bool {
                    self.0 == other
                }
            }

            impl PartialEq<&str> for $name {
                fn eq(&self, other: &&str) -> bool {
                    self.0 == *other
                }
            }

            impl PartialEq<String> for $name {
                fn eq(&self, other: &String) -> bool {
                    &self.0 == other
                }
            }

            impl AsRef<str> for $name {
                fn as_ref(&self) -> &str {
                    &self.0
                }
            }

            impl From<String> for $name {
                fn from(id: String) -> $name {
                    $name(id)
                }
            }

            impl From<&str> for $name {
                fn from(id: &str) -> $name {
                    $name(id.to_owned())
                }
            }
        )+
    };
}

id_type!(
    /// A user (internal or external).
    UserId,
    /// A customer or partner organisation.
    AccountId,
    /// A portal.
    PortalId,
    /// A server-side session.
    SessionId,
    /// An invitation.
    InvitationId,
    /// A self-registration request.
    AccessRequestId,
    /// A background job.
    JobId,
    /// An email in the outbox.
    EmailId,
    /// A deal.
    DealId,
    /// A pipeline stage.
    StageId,
    /// A contact at an account.
    ContactId,
    /// A partner's deal registration.
    RegistrationId,
    /// A partner's referral.
    ReferralId,
    /// A document on a deal.
    DocumentId,
    /// A comment on a document.
    DocumentCommentId,
    /// A partner's commission on one deal.
    CommissionId,
    /// A payment of commissions to a partner account.
    PayoutId,
    /// A commission plan.
    CommissionPlanId,
    /// A partner tier.
    TierId,
    /// A meeting booked on a deal.
    MeetingId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_travel_as_plain_strings() {
        let id = UserId::new("01900000-0000-7000-8000-000000000001");
        assert_eq!(
            serde_json::to_string(&id).expect("json"),
            "\"01900000-0000-7000-8000-000000000001\""
        );
        let back: AccountId =
            serde_json::from_str("\"01900000-0000-7000-8000-000000000002\"").expect("json");
        assert_eq!(back.as_str(), "01900000-0000-7000-8000-000000000002");
        assert_eq!(id.to_string(), id.as_str());
    }
}
