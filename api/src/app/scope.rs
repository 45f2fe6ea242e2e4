//! The rules of DESIGN.md turned into typed scopes and named permission checks. This is the
//! only place a scope is built from a caller; routes cannot name a scope at all.

use portcullis_shared::Role;

use crate::app::Operator;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::storage::{AccountScope, CompanyScope, UserScope};

/// The users a caller may administer: administrators every user, partner administrators
/// their own organisation's, everyone else no one.
pub fn users(p: &Principal) -> UserScope {
    match (p.role, &p.account_id) {
        (Role::Admin, _) => UserScope::All,
        (Role::PartnerAdmin, Some(account)) => UserScope::Organisation(account.clone()),
        _ => UserScope::None,
    }
}

/// The accounts and portals a caller may read: staff the whole company, a customer or
/// partner user their own organisation.
pub fn accounts(p: &Principal) -> AccountScope {
    match (p.role.is_internal(), &p.account_id) {
        (true, _) => AccountScope::All,
        (false, Some(account)) => AccountScope::Own(account.clone()),
        (false, None) => AccountScope::None,
    }
}

/// The company's administration records (audit log, outbox, access requests, job queue):
/// administrators only.
pub fn company(p: &Principal) -> CompanyScope {
    if p.role == Role::Admin {
        CompanyScope::All
    } else {
        CompanyScope::None
    }
}

impl Operator {
    /// Every user.
    pub fn users(&self) -> UserScope {
        UserScope::All
    }

    /// Every account.
    pub fn accounts(&self) -> AccountScope {
        AccountScope::All
    }

    /// Every administration record.
    pub fn company(&self) -> CompanyScope {
        CompanyScope::All
    }
}

/// Named permission checks: each use case starts with the one it needs.
pub mod require {
    use super::*;

    /// Administers users: administrators, and partner administrators for their organisation.
    pub fn manage_users(p: &Principal) -> Result<UserScope, ApiError> {
        match users(p) {
            UserScope::None => Err(ApiError::Forbidden),
            scope => Ok(scope),
        }
    }

    /// Administers the installation: users of every account, permissions, the audit log, the
    /// outbox, access requests and jobs.
    pub fn administer(p: &Principal) -> Result<CompanyScope, ApiError> {
        match company(p) {
            CompanyScope::None => Err(ApiError::Forbidden),
            scope => Ok(scope),
        }
    }

    /// Sets up portals and accounts: administrators and managers.
    pub fn manage_portals(p: &Principal) -> Result<AccountScope, ApiError> {
        if matches!(p.role, Role::Admin | Role::Manager) {
            Ok(AccountScope::All)
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// Reads the programme's configuration: internal users.
    pub fn staff(p: &Principal) -> Result<AccountScope, ApiError> {
        if p.role.is_internal() {
            Ok(AccountScope::All)
        } else {
            Err(ApiError::Forbidden)
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
            account_id: account.map(Into::into),
            portal_id: None,
            viewed_by: None,
            origin: Default::default(),
        }
    }

    #[test]
    fn only_admins_and_partner_admins_reach_users() {
        assert_eq!(users(&principal(Role::Admin, None)), UserScope::All);
        assert_eq!(
            users(&principal(Role::PartnerAdmin, Some("a1"))),
            UserScope::Organisation("a1".into())
        );
        for role in [
            Role::Manager,
            Role::ChannelManager,
            Role::SalesRep,
            Role::CustomerUser,
            Role::PartnerUser,
        ] {
            assert_eq!(users(&principal(role, Some("a1"))), UserScope::None);
            assert!(require::manage_users(&principal(role, Some("a1"))).is_err());
        }
        // A partner administrator without an organisation reaches no one.
        assert_eq!(users(&principal(Role::PartnerAdmin, None)), UserScope::None);
    }

    #[test]
    fn staff_read_the_company_and_externals_their_organisation() {
        for role in [
            Role::Admin,
            Role::Manager,
            Role::ChannelManager,
            Role::SalesRep,
        ] {
            assert!(accounts(&principal(role, None)).whole_company());
        }
        assert_eq!(
            accounts(&principal(Role::CustomerUser, Some("a1"))),
            AccountScope::Own("a1".into())
        );
        assert_eq!(company(&principal(Role::Admin, None)), CompanyScope::All);
        for role in [Role::Manager, Role::PartnerAdmin, Role::CustomerUser] {
            assert_eq!(company(&principal(role, Some("a1"))), CompanyScope::None);
        }
    }
}
