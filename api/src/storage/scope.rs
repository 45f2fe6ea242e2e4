//! Typed scopes: which rows of a resource a caller may reach. Storage functions that read or
//! change other people's records take the scope of that resource, so a query cannot be
//! written without deciding whose rows it touches. Scopes are built in `app::scope` from the
//! caller and its effective permissions (routes cannot reach this module); each renders its
//! own SQL predicate through `Sql`, which numbers the placeholders.

use portcullis_shared::AccountId;

use crate::storage::sql::Sql;

/// The users a caller may administer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserScope {
    /// Every user (administrators; the operator).
    All,
    /// The users of one organisation (a partner administrator's own).
    Organisation(AccountId),
    /// No one.
    None,
}

impl UserScope {
    /// Appends ` AND <predicate>` limiting the users table's `account_column` to this scope.
    pub fn restrict(&self, sql: &mut Sql, account_column: &'static str) {
        match self {
            UserScope::All => {}
            UserScope::Organisation(account) => {
                sql.push(" AND ")
                    .push(account_column)
                    .push(" = ")
                    .bind(account.as_str());
            }
            UserScope::None => {
                sql.push(" AND 1 = 0");
            }
        }
    }

    /// Whether a user of `account_id` lies within this scope.
    pub fn contains(&self, account_id: Option<&str>) -> bool {
        match self {
            UserScope::All => true,
            UserScope::Organisation(a) => account_id == Some(a.as_str()),
            UserScope::None => false,
        }
    }
}

/// The accounts (organisations) and portals a caller may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountScope {
    /// The whole company's accounts (staff; the operator).
    All,
    /// One's own organisation only (customer and partner users).
    Own(AccountId),
    /// None.
    None,
}

impl AccountScope {
    /// Appends ` AND <predicate>` limiting `account_column` to this scope.
    pub fn restrict(&self, sql: &mut Sql, account_column: &'static str) {
        match self {
            AccountScope::All => {}
            AccountScope::Own(account) => {
                sql.push(" AND ")
                    .push(account_column)
                    .push(" = ")
                    .bind(account.as_str());
            }
            AccountScope::None => {
                sql.push(" AND 1 = 0");
            }
        }
    }

    /// Whether the whole company's records are in reach.
    pub fn whole_company(&self) -> bool {
        *self == AccountScope::All
    }
}

/// The company's own administration records, owned by no organisation: the audit log, the
/// outbox, access requests, the job queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompanyScope {
    /// All of them (administrators; the operator).
    All,
    /// None.
    None,
}

impl CompanyScope {
    /// Appends ` AND 1 = 0` when nothing is in reach.
    pub fn restrict(&self, sql: &mut Sql) {
        if *self == CompanyScope::None {
            sql.push(" AND 1 = 0");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(f: impl Fn(&mut Sql)) -> String {
        let mut sql = Sql::new("SELECT id FROM users WHERE id = ");
        sql.bind("u1");
        f(&mut sql);
        sql.text().to_owned()
    }

    #[test]
    fn each_scope_renders_its_rule() {
        assert_eq!(
            rendered(|s| UserScope::Organisation(AccountId::new("a1")).restrict(s, "account_id")),
            "SELECT id FROM users WHERE id = $1 AND account_id = $2"
        );
        assert_eq!(
            rendered(|s| UserScope::All.restrict(s, "account_id")),
            "SELECT id FROM users WHERE id = $1"
        );
        assert_eq!(
            rendered(|s| UserScope::None.restrict(s, "account_id")),
            "SELECT id FROM users WHERE id = $1 AND 1 = 0"
        );
        assert_eq!(
            rendered(|s| AccountScope::Own(AccountId::new("a1")).restrict(s, "id")),
            "SELECT id FROM users WHERE id = $1 AND id = $2"
        );
        assert_eq!(
            rendered(|s| CompanyScope::None.restrict(s)),
            "SELECT id FROM users WHERE id = $1 AND 1 = 0"
        );
    }

    #[test]
    fn an_organisation_scope_contains_only_its_users() {
        let s = UserScope::Organisation(AccountId::new("a1"));
        assert!(s.contains(Some("a1")));
        assert!(!s.contains(Some("a2")));
        assert!(!s.contains(None));
        assert!(UserScope::All.contains(None));
        assert!(!UserScope::None.contains(Some("a1")));
    }
}
