//! Roles: who a user is to Portcullis. Ranks are an explicit table, never declaration order.

use serde::{Deserialize, Serialize};

use crate::permission::PortalKind;

/// A user's role. Internal roles belong to the company; external roles to a customer or
/// partner account and a portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Configures portals, branding, domains, security policy, permissions and users.
    Admin,
    /// Everything in their portals; approves escalations.
    Manager,
    /// Approves registrations, routes leads, runs MDF, tiers and partner analytics.
    ChannelManager,
    /// Works their own deals: shares updates and documents, answers threads and requests.
    SalesRep,
    /// Sees their own account's shared deals, documents, threads, requests and meetings.
    CustomerUser,
    /// Registers deals, tracks referrals and commissions, co-sells.
    PartnerUser,
    /// A partner user who also manages their organisation's portal users.
    PartnerAdmin,
}

impl Role {
    /// Every role, in rank order from most to least privileged.
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Manager,
        Role::ChannelManager,
        Role::SalesRep,
        Role::PartnerAdmin,
        Role::PartnerUser,
        Role::CustomerUser,
    ];

    /// The wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::ChannelManager => "channel_manager",
            Role::SalesRep => "sales_rep",
            Role::CustomerUser => "customer_user",
            Role::PartnerUser => "partner_user",
            Role::PartnerAdmin => "partner_admin",
        }
    }

    /// Parses the wire and storage name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Internal users belong to the company running Portcullis.
    pub fn is_internal(self) -> bool {
        self.portal_kind().is_none()
    }

    /// The kind of portal an external role signs in to; `None` for internal roles.
    pub fn portal_kind(self) -> Option<PortalKind> {
        match self {
            Role::Admin | Role::Manager | Role::ChannelManager | Role::SalesRep => None,
            Role::CustomerUser => Some(PortalKind::Customer),
            Role::PartnerUser | Role::PartnerAdmin => Some(PortalKind::Partner),
        }
    }

    /// Rank within the internal staff (higher outranks lower); external roles rank 0.
    pub fn internal_rank(self) -> u8 {
        match self {
            Role::Admin => 40,
            Role::Manager => 30,
            Role::ChannelManager => 20,
            Role::SalesRep => 10,
            Role::CustomerUser | Role::PartnerUser | Role::PartnerAdmin => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn only_external_roles_have_a_portal_kind() {
        assert!(Role::Admin.is_internal());
        assert!(!Role::CustomerUser.is_internal());
        assert_eq!(Role::PartnerAdmin.portal_kind(), Some(PortalKind::Partner));
    }
}
