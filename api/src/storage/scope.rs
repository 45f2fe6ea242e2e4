//! `Scope`: which rows a caller may reach. Storage functions that read or change other
//! people's records take one, so a query cannot be written without deciding whose rows it
//! touches. A scope is made only from a `Principal`, by the rules of DESIGN.md.

use portcullis_shared::Role;
use sqlx::any::{Any, AnyArguments};
use sqlx::query::Query;

use crate::auth::Principal;

/// The rows a caller may reach. Its variants are private: a scope comes from a `Principal`
/// by the rules below, or is the operator's (the command line, background jobs, tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope(Reach);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Reach {
    /// The whole company's records.
    All,
    /// One organisation's records.
    Account(String),
    /// Nothing of anyone else's.
    Nothing,
}

impl Scope {
    /// The user-administration scope of a caller: administrators reach every user, partner
    /// administrators the users of their own organisation, everyone else no one.
    pub fn users_of(p: &Principal) -> Scope {
        Scope(match (p.role, &p.account_id) {
            (Role::Admin, _) => Reach::All,
            (Role::PartnerAdmin, Some(account)) => Reach::Account(account.clone()),
            _ => Reach::Nothing,
        })
    }

    /// The accounts and portals a caller may read: staff reach the whole company, a customer
    /// or partner user only their own organisation.
    pub fn records_of(p: &Principal) -> Scope {
        Scope(match (p.role.is_internal(), &p.account_id) {
            (true, _) => Reach::All,
            (false, Some(account)) => Reach::Account(account.clone()),
            (false, None) => Reach::Nothing,
        })
    }

    /// The administration records (audit log, outbox, access requests): administrators only.
    pub fn admin_of(p: &Principal) -> Scope {
        Scope(if p.role == Role::Admin {
            Reach::All
        } else {
            Reach::Nothing
        })
    }

    /// The operator's scope: the command line, background jobs and tests act for the company
    /// as a whole. Request handlers take their scope from the caller instead.
    pub fn operator() -> Scope {
        Scope(Reach::All)
    }

    /// A SQL condition limiting `column` (an account id) to this scope, appended to a `WHERE`
    /// clause. When the scope is one organisation it refers to `$n`, which `bind` fills: call
    /// `bind` after binding `$1`..`$(n-1)`. Built from constant fragments only, so the SQL it
    /// joins stays free of input.
    pub fn condition(&self, column: &'static str, n: usize) -> String {
        match &self.0 {
            Reach::All => String::new(),
            Reach::Account(_) => format!(" AND {column} = ${n}"),
            Reach::Nothing => " AND 1 = 0".to_owned(),
        }
    }

    /// Binds the value `condition` refers to, if any.
    pub fn bind<'q>(&self, q: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments> {
        match &self.0 {
            Reach::Account(id) => q.bind(id.clone()),
            Reach::All | Reach::Nothing => q,
        }
    }

    /// Whether an object of `account_id` lies within this scope.
    pub fn contains(&self, account_id: Option<&str>) -> bool {
        match &self.0 {
            Reach::All => true,
            Reach::Account(id) => account_id == Some(id.as_str()),
            Reach::Nothing => false,
        }
    }

    /// Whether this scope reaches records that belong to the company as a whole rather than
    /// to one organisation (the audit log, the outbox, access requests).
    pub fn whole_company(&self) -> bool {
        self.0 == Reach::All
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, account: Option<&str>) -> Principal {
        Principal {
            user_id: "u".into(),
            session_id: "s".into(),
            role,
            account_id: account.map(str::to_owned),
            portal_id: None,
            viewed_by: None,
        }
    }

    #[test]
    fn only_admins_and_partner_admins_reach_users() {
        assert_eq!(
            Scope::users_of(&principal(Role::Admin, None)),
            Scope::operator()
        );
        assert_eq!(
            Scope::users_of(&principal(Role::PartnerAdmin, Some("a1"))),
            Scope(Reach::Account("a1".into()))
        );
        for role in [
            Role::Manager,
            Role::ChannelManager,
            Role::SalesRep,
            Role::CustomerUser,
            Role::PartnerUser,
        ] {
            assert_eq!(
                Scope::users_of(&principal(role, Some("a1"))),
                Scope(Reach::Nothing)
            );
        }
        // A partner administrator without an organisation reaches no one.
        assert_eq!(
            Scope::users_of(&principal(Role::PartnerAdmin, None)),
            Scope(Reach::Nothing)
        );
    }

    #[test]
    fn staff_read_the_company_and_externals_their_organisation() {
        for role in [
            Role::Admin,
            Role::Manager,
            Role::ChannelManager,
            Role::SalesRep,
        ] {
            assert!(Scope::records_of(&principal(role, None)).whole_company());
        }
        let customer = Scope::records_of(&principal(Role::CustomerUser, Some("a1")));
        assert!(customer.contains(Some("a1")) && !customer.contains(Some("a2")));
        assert!(!customer.whole_company());
        assert!(Scope::admin_of(&principal(Role::Admin, None)).whole_company());
        for role in [Role::Manager, Role::PartnerAdmin, Role::CustomerUser] {
            assert!(!Scope::admin_of(&principal(role, Some("a1"))).whole_company());
        }
    }

    #[test]
    fn an_account_scope_contains_only_its_account() {
        let s = Scope(Reach::Account("a1".into()));
        assert!(s.contains(Some("a1")));
        assert!(!s.contains(Some("a2")));
        assert!(!s.contains(None));
        assert!(Scope::operator().contains(None));
        assert!(!Scope(Reach::Nothing).contains(Some("a1")));
        assert_eq!(s.condition("account_id", 3), " AND account_id = $3");
        assert_eq!(Scope::operator().condition("account_id", 3), "");
        assert_eq!(
            Scope(Reach::Nothing).condition("account_id", 3),
            " AND 1 = 0"
        );
    }
}
