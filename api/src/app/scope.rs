//! The rules of DESIGN.md turned into typed scopes and named permission checks. This is the
//! only place a scope is built from a caller; routes cannot name a scope at all.

use portcullis_shared::{Permission, Role};

use crate::app::Operator;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::storage::commissions::CommissionScope;
use crate::storage::partners::ProgrammeScope;
use crate::storage::{AccountScope, CollabScope, CompanyScope, DealScope, UserScope};

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

/// The deals a caller may read:
/// - administrators and managers every deal, or their regions' when limited to regions;
/// - channel managers every deal with a partner link, or their regions' when limited;
/// - sales reps the deals they own or are on the team of (within their regions, if any);
/// - customer users with "View deal status" their account's deals shared to the portal;
/// - partner users and administrators with "View deal pipeline" the deals their organisation
///   is linked to; partner users only those they are responsible for when the organisation
///   is set to "own deals only" (its administrators still oversee every one).
pub fn deals(p: &Principal) -> DealScope {
    match (p.role, &p.account_id) {
        (Role::Admin | Role::Manager, _) => match &p.regions {
            Some(regions) => DealScope::InRegions(regions.clone()),
            None => DealScope::All,
        },
        (Role::ChannelManager, _) => match &p.regions {
            Some(regions) => DealScope::InRegions(regions.clone()),
            None => DealScope::Partnered,
        },
        (Role::SalesRep, _) => DealScope::OwnedOrTeam {
            user: p.user_id.clone(),
            regions: p.regions.clone(),
        },
        (Role::CustomerUser, Some(account)) if p.granted(Permission::ViewDealStatus) => {
            DealScope::SharedToAccount(account.clone())
        }
        (Role::PartnerUser, Some(_))
            if p.own_deals_only && p.granted(Permission::ViewDealPipeline) =>
        {
            DealScope::ResponsiblePartnerUser(p.user_id.clone())
        }
        (Role::PartnerUser | Role::PartnerAdmin, Some(account))
            if p.granted(Permission::ViewDealPipeline) =>
        {
            DealScope::PartnerOrganisation(account.clone())
        }
        _ => DealScope::None,
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

    /// Every deal.
    pub fn deals(&self) -> DealScope {
        DealScope::All
    }
}

/// The registrations and referrals a caller reaches: the people who run the programme
/// (administrators, managers, channel managers) everyone's; a partner administrator their
/// organisation's; a partner user their organisation's, or only their own when the
/// organisation shows each user only their own deals; everyone else none.
pub fn programme(p: &Principal) -> ProgrammeScope {
    match (p.role, &p.account_id) {
        (Role::Admin | Role::Manager | Role::ChannelManager, _) => ProgrammeScope::All,
        (Role::PartnerAdmin, Some(a)) => ProgrammeScope::Organisation(a.clone()),
        (Role::PartnerUser, Some(a)) if p.own_deals_only => {
            ProgrammeScope::Submitter(a.clone(), p.user_id.clone())
        }
        (Role::PartnerUser, Some(a)) => ProgrammeScope::Organisation(a.clone()),
        _ => ProgrammeScope::None,
    }
}

/// The referrals a caller reaches: as `programme`, and a sales rep those assigned to them.
pub fn referrals(p: &Principal) -> ProgrammeScope {
    match p.role {
        Role::SalesRep => ProgrammeScope::AssignedTo(p.user_id.clone()),
        _ => programme(p),
    }
}

/// The items on deals a caller may reach for a collaboration feature whose customer-side
/// permission is `customer_needs` ("View shared documents", "Post messages", "Submit
/// requests", "Schedule meetings"):
/// - the company's people: every item of the deals their deal scope reaches;
/// - customer users with "View deal status" and `customer_needs`: customer and both-sides
///   items of their account's deals shared to the portal;
/// - partner users and administrators with "Access co-sell workspace" (off by default):
///   partner and both-sides items of the deals their organisation co-sells (only those they
///   are responsible for when the organisation shows each user only their own deals);
/// - no one else.
pub fn collab(p: &Principal, customer_needs: Permission) -> CollabScope {
    match (p.role, &p.account_id) {
        (role, _) if role.is_internal() => CollabScope::company(deals(p)),
        (Role::CustomerUser, Some(account))
            if p.granted(Permission::ViewDealStatus) && p.granted(customer_needs) =>
        {
            CollabScope::customer(DealScope::SharedToAccount(account.clone()))
        }
        (Role::PartnerUser | Role::PartnerAdmin, Some(account))
            if p.granted(Permission::AccessCoSellWorkspace) =>
        {
            let deals = if p.own_deals_only && p.role == Role::PartnerUser {
                DealScope::ResponsiblePartnerUser(p.user_id.clone())
            } else {
                DealScope::PartnerOrganisation(account.clone())
            };
            CollabScope::co_seller(deals, account.clone())
        }
        _ => CollabScope::none(),
    }
}

/// Named permission checks: each use case starts with the one it needs.
pub mod require {
    use super::*;

    /// Works on a deal's shared items (see [`collab`]): 403 for callers who reach none.
    pub fn collaborate(p: &Principal, customer_needs: Permission) -> Result<CollabScope, ApiError> {
        let scope = collab(p, customer_needs);
        if *scope.deals() == DealScope::None {
            Err(ApiError::Forbidden)
        } else {
            Ok(scope)
        }
    }

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

    /// Reads deals: anyone whose scope reaches some (customers need "View deal status",
    /// partners "View deal pipeline").
    pub fn view_deals(p: &Principal) -> Result<DealScope, ApiError> {
        match deals(p) {
            DealScope::None => Err(ApiError::Forbidden),
            scope => Ok(scope),
        }
    }

    /// Creates and edits deals, writes notes, shares deals: internal users, within their
    /// deal scope.
    pub fn sell(p: &Principal) -> Result<DealScope, ApiError> {
        if p.role.is_internal() {
            Ok(deals(p))
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// Registers deals and refers prospects: partner users and administrators with
    /// "Register deals"; their organisation is returned.
    pub fn register_deals(p: &Principal) -> Result<portcullis_shared::AccountId, ApiError> {
        match (p.role, &p.account_id) {
            (Role::PartnerUser | Role::PartnerAdmin, Some(a))
                if p.granted(Permission::RegisterDeals) =>
            {
                Ok(a.clone())
            }
            _ => Err(ApiError::Forbidden),
        }
    }

    /// Reads registrations and referrals: the programme's people and partners.
    pub fn view_programme(p: &Principal) -> Result<ProgrammeScope, ApiError> {
        match programme(p) {
            ProgrammeScope::None => Err(ApiError::Forbidden),
            scope => Ok(scope),
        }
    }

    /// Changes the pipeline's stages, and locked contract fields: administrators and managers.
    pub fn manage_pipeline(p: &Principal) -> Result<(), ApiError> {
        if matches!(p.role, Role::Admin | Role::Manager) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// Reads a partner programme figure guarded by `permission` (commissions, tier status):
    /// partner users and administrators holding it, for their own organisation (naming
    /// another answers 404; a partner user of an organisation set to "own deals only", for
    /// the deals they are responsible for); internal users for the account they name, or
    /// every account.
    pub fn partner_figures(
        p: &Principal,
        permission: Permission,
        account: Option<&str>,
    ) -> Result<CommissionScope, ApiError> {
        match (p.role, &p.account_id) {
            (Role::PartnerUser | Role::PartnerAdmin, Some(own)) if p.granted(permission) => {
                match account {
                    Some(a) if a != own.as_str() => Err(ApiError::NotFound),
                    // A partner user who sees only their own deals sees only their figures.
                    _ if p.role == Role::PartnerUser && p.own_deals_only => {
                        Ok(CommissionScope::Responsible {
                            account: own.to_string(),
                            user: p.user_id.to_string(),
                        })
                    }
                    _ => Ok(CommissionScope::Account(own.to_string())),
                }
            }
            (role, _) if role.is_internal() => Ok(match account {
                Some(a) => CommissionScope::Account(a.to_owned()),
                None => CommissionScope::All,
            }),
            _ => Err(ApiError::Forbidden),
        }
    }

    /// Exports a partner's commission statement: as `partner_figures` with "View
    /// commissions", and partners also need "Export reports".
    pub fn export_statements(
        p: &Principal,
        account: Option<&str>,
    ) -> Result<CommissionScope, ApiError> {
        if !p.role.is_internal() && !p.granted(Permission::ExportReports) {
            return Err(ApiError::Forbidden);
        }
        partner_figures(p, Permission::ViewCommissions, account)
    }

    /// Runs the partner programme (deciding registrations, moving referrals on, commission
    /// plans, rates, overrides, tiers, every partner's commissions): administrators,
    /// managers and channel managers.
    pub fn run_programme(p: &Principal) -> Result<CommissionScope, ApiError> {
        if matches!(p.role, Role::Admin | Role::Manager | Role::ChannelManager) {
            Ok(CommissionScope::All)
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// Records commission payouts: administrators only (managers and channel managers may
    /// read them).
    pub fn record_payouts(p: &Principal) -> Result<(), ApiError> {
        if p.role == Role::Admin {
            Ok(())
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
            regions: None,
            previous_sign_in_at: None,
            own_deals_only: false,
            overrides: Vec::new(),
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
    fn each_role_reaches_its_deals() {
        use crate::domain::permissions::{Override, OverrideLevel};
        assert_eq!(deals(&principal(Role::Admin, None)), DealScope::All);
        assert_eq!(
            deals(&principal(Role::ChannelManager, None)),
            DealScope::Partnered
        );
        let mut limited = principal(Role::Manager, None);
        limited.regions = Some(vec!["EMEA".into()]);
        assert_eq!(deals(&limited), DealScope::InRegions(vec!["EMEA".into()]));
        assert!(matches!(
            deals(&principal(Role::SalesRep, None)),
            DealScope::OwnedOrTeam { regions: None, .. }
        ));
        assert_eq!(
            deals(&principal(Role::CustomerUser, Some("c1"))),
            DealScope::SharedToAccount("c1".into())
        );
        assert_eq!(
            deals(&principal(Role::PartnerUser, Some("p1"))),
            DealScope::PartnerOrganisation("p1".into())
        );
        let mut own = principal(Role::PartnerUser, Some("p1"));
        own.own_deals_only = true;
        assert_eq!(deals(&own), DealScope::ResponsiblePartnerUser("u".into()));
        let mut admin = principal(Role::PartnerAdmin, Some("p1"));
        admin.own_deals_only = true;
        assert_eq!(deals(&admin), DealScope::PartnerOrganisation("p1".into()));
        // Without the permission, nothing.
        let mut denied = principal(Role::CustomerUser, Some("c1"));
        denied.overrides = vec![Override {
            level: OverrideLevel::User,
            permission: Permission::ViewDealStatus,
            allowed: false,
        }];
        assert_eq!(deals(&denied), DealScope::None);
        assert!(require::view_deals(&denied).is_err());
        assert!(require::sell(&principal(Role::PartnerAdmin, Some("p1"))).is_err());
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
