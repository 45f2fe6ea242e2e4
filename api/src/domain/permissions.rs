//! Effective permissions: user override, else account override, else portal default (a
//! portal-level override, else the seed table's default).

use portcullis_shared::{Permission, PortalKind};

/// Where an override applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideLevel {
    Portal,
    Account,
    User,
}

/// One override of one permission at one level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub level: OverrideLevel,
    pub permission: Permission,
    pub allowed: bool,
}

/// Whether `permission` is granted, given every override that bears on the user.
pub fn is_granted(permission: Permission, overrides: &[Override]) -> bool {
    let at = |level: OverrideLevel| {
        overrides
            .iter()
            .find(|o| o.level == level && o.permission == permission)
            .map(|o| o.allowed)
    };
    at(OverrideLevel::User)
        .or_else(|| at(OverrideLevel::Account))
        .or_else(|| at(OverrideLevel::Portal))
        .unwrap_or(permission.spec().default)
}

/// Every permission of a portal kind that is granted.
pub fn effective(kind: PortalKind, overrides: &[Override]) -> Vec<Permission> {
    Permission::for_kind(kind)
        .filter(|p| is_granted(*p, overrides))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(level: OverrideLevel, permission: Permission, allowed: bool) -> Override {
        Override {
            level,
            permission,
            allowed,
        }
    }

    #[test]
    fn defaults_apply_without_overrides() {
        assert!(is_granted(Permission::ViewDealStatus, &[]));
        assert!(!is_granted(Permission::ViewDealValue, &[]));
    }

    #[test]
    fn the_user_override_beats_the_account_which_beats_the_portal() {
        let p = Permission::ViewDealValue;
        let portal = o(OverrideLevel::Portal, p, true);
        let account = o(OverrideLevel::Account, p, false);
        let user = o(OverrideLevel::User, p, true);
        assert!(is_granted(p, std::slice::from_ref(&portal)));
        assert!(!is_granted(p, &[portal.clone(), account.clone()]));
        assert!(is_granted(p, &[account, portal, user]));
    }

    #[test]
    fn effective_lists_only_the_kinds_permissions() {
        let perms = effective(PortalKind::Partner, &[]);
        assert!(perms.contains(&Permission::RegisterDeals));
        assert!(!perms.contains(&Permission::ExportReports));
        assert!(!perms.contains(&Permission::ViewDealStatus));
    }
}
