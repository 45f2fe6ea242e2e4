//! `Scope`: which rows a caller may reach. Storage functions that read or change other
//! people's records take one, so a query cannot be written without deciding whose rows it
//! touches. A scope is made only from a `Principal`, by the rules of DESIGN.md.

use portcullis_shared::Role;

use crate::auth::Principal;

/// The rows a caller may reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The whole company's records (administrators).
    All,
    /// One organisation's records: a partner administrator's own organisation.
    Account(String),
    /// Nothing of anyone else's.
    Nothing,
}

impl Scope {
    /// The user-administration scope of a caller: administrators reach every user, partner
    /// administrators the users of their own organisation, everyone else no one.
    pub fn users_of(p: &Principal) -> Scope {
        match (p.role, &p.account_id) {
            (Role::Admin, _) => Scope::All,
            (Role::PartnerAdmin, Some(account)) => Scope::Account(account.clone()),
            _ => Scope::Nothing,
        }
    }

    /// A SQL condition limiting `column` to this scope, with the bind it needs (as `$n`).
    /// Appended to a `WHERE` clause; the caller binds the returned value when it is `Some`.
    /// Built from constant fragments only, so the SQL it joins stays free of input.
    pub fn condition(&self, column: &'static str, n: usize) -> (String, Option<&str>) {
        match self {
            Scope::All => (" AND 1 = 1".to_owned(), None),
            Scope::Account(id) => (format!(" AND {column} = ${n}"), Some(id.as_str())),
            Scope::Nothing => (" AND 1 = 0".to_owned(), None),
        }
    }

    /// Whether an object of `account_id` lies within this scope.
    pub fn contains(&self, account_id: Option<&str>) -> bool {
        match self {
            Scope::All => true,
            Scope::Account(id) => account_id == Some(id.as_str()),
            Scope::Nothing => false,
        }
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
        assert_eq!(Scope::users_of(&principal(Role::Admin, None)), Scope::All);
        assert_eq!(
            Scope::users_of(&principal(Role::PartnerAdmin, Some("a1"))),
            Scope::Account("a1".into())
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
                Scope::Nothing
            );
        }
        // A partner administrator without an organisation reaches no one.
        assert_eq!(
            Scope::users_of(&principal(Role::PartnerAdmin, None)),
            Scope::Nothing
        );
    }

    #[test]
    fn an_account_scope_contains_only_its_account() {
        let s = Scope::Account("a1".into());
        assert!(s.contains(Some("a1")));
        assert!(!s.contains(Some("a2")));
        assert!(!s.contains(None));
        assert!(Scope::All.contains(None));
        assert!(!Scope::Nothing.contains(Some("a1")));
        assert_eq!(s.condition("account_id", 3).0, " AND account_id = $3");
    }
}
