//! Portal permissions and their defaults: the two permission tables of the functional spec,
//! kept as data in one place.

use serde::{Deserialize, Serialize};

/// The two kinds of portal that share one infrastructure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PortalKind {
    /// For buyers and their teams.
    Customer,
    /// For channel, referral and reseller partners.
    Partner,
}

impl PortalKind {
    /// The wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            PortalKind::Customer => "customer",
            PortalKind::Partner => "partner",
        }
    }

    /// Parses the wire and storage name.
    pub fn parse(s: &str) -> Option<PortalKind> {
        match s {
            "customer" => Some(PortalKind::Customer),
            "partner" => Some(PortalKind::Partner),
            _ => None,
        }
    }
}

/// A permission an external user may hold in a portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Customer: see deal stage and timeline.
    ViewDealStatus,
    /// Customer: see monetary amounts.
    ViewDealValue,
    /// Customer: access files shared to the portal.
    ViewSharedDocuments,
    /// Customer: send messages in a deal's communication thread.
    PostMessages,
    /// Customer: create request tickets.
    SubmitRequests,
    /// Customer: see names and photos of the assigned team.
    ViewTeamMembers,
    /// Customer: book time directly on the rep's calendar.
    ScheduleMeetings,
    /// Partner: submit deal registrations.
    RegisterDeals,
    /// Partner: see registered deal stages.
    ViewDealPipeline,
    /// Partner: collaborate on joint deals.
    AccessCoSellWorkspace,
    /// Partner: see earned and pending commissions.
    ViewCommissions,
    /// Partner: download marketing and sales materials.
    AccessCollateralLibrary,
    /// Partner: see current tier and progress to the next.
    ViewPartnerTierStatus,
    /// Partner: download data as CSV or PDF.
    ExportReports,
}

/// One row of a permission table: the permission, its portal kind, default and label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PermissionSpec {
    pub permission: Permission,
    pub kind: PortalKind,
    pub default: bool,
    pub label: &'static str,
}

const fn spec(
    permission: Permission,
    kind: PortalKind,
    default: bool,
    label: &'static str,
) -> PermissionSpec {
    PermissionSpec {
        permission,
        kind,
        default,
        label,
    }
}

/// The seed permission tables, with their defaults.
pub const PERMISSION_TABLE: [PermissionSpec; 14] = [
    spec(
        Permission::ViewDealStatus,
        PortalKind::Customer,
        true,
        "View deal status",
    ),
    spec(
        Permission::ViewDealValue,
        PortalKind::Customer,
        false,
        "View deal value",
    ),
    spec(
        Permission::ViewSharedDocuments,
        PortalKind::Customer,
        true,
        "View shared documents",
    ),
    spec(
        Permission::PostMessages,
        PortalKind::Customer,
        true,
        "Post messages",
    ),
    spec(
        Permission::SubmitRequests,
        PortalKind::Customer,
        true,
        "Submit requests",
    ),
    spec(
        Permission::ViewTeamMembers,
        PortalKind::Customer,
        true,
        "View team members",
    ),
    spec(
        Permission::ScheduleMeetings,
        PortalKind::Customer,
        false,
        "Schedule meetings",
    ),
    spec(
        Permission::RegisterDeals,
        PortalKind::Partner,
        true,
        "Register deals",
    ),
    spec(
        Permission::ViewDealPipeline,
        PortalKind::Partner,
        true,
        "View deal pipeline",
    ),
    spec(
        Permission::AccessCoSellWorkspace,
        PortalKind::Partner,
        false,
        "Access co-sell workspace",
    ),
    spec(
        Permission::ViewCommissions,
        PortalKind::Partner,
        true,
        "View commissions",
    ),
    spec(
        Permission::AccessCollateralLibrary,
        PortalKind::Partner,
        true,
        "Access collateral library",
    ),
    spec(
        Permission::ViewPartnerTierStatus,
        PortalKind::Partner,
        true,
        "View partner tier status",
    ),
    spec(
        Permission::ExportReports,
        PortalKind::Partner,
        false,
        "Export reports",
    ),
];

impl Permission {
    /// This permission's row in the seed tables.
    pub fn spec(self) -> &'static PermissionSpec {
        PERMISSION_TABLE
            .iter()
            .find(|s| s.permission == self)
            .expect("every permission has a row in PERMISSION_TABLE")
    }

    /// The permissions of one portal kind, in table order.
    pub fn for_kind(kind: PortalKind) -> impl Iterator<Item = Permission> {
        PERMISSION_TABLE
            .iter()
            .filter(move |s| s.kind == kind)
            .map(|s| s.permission)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_defaults_are_kept() {
        let on: Vec<_> = Permission::for_kind(PortalKind::Customer)
            .filter(|p| p.spec().default)
            .collect();
        assert_eq!(on.len(), 5);
        assert!(!Permission::ViewDealValue.spec().default);
        assert!(!Permission::ExportReports.spec().default);
        assert!(!Permission::AccessCoSellWorkspace.spec().default);
        assert_eq!(Permission::for_kind(PortalKind::Partner).count(), 7);
    }
}
