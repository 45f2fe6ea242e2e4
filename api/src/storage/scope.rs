//! Typed scopes: which rows of a resource a caller may reach. Storage functions that read or
//! change other people's records take the scope of that resource, so a query cannot be
//! written without deciding whose rows it touches. Scopes are built in `app::scope` from the
//! caller and its effective permissions (routes cannot reach this module); each renders its
//! own SQL predicate through `Sql`, which numbers the placeholders.

use portcullis_shared::AccountId;
use portcullis_shared::collab::{Audience, Side};

use crate::storage::deals::DealScope;
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

/// The items on deals a caller may read: the deals they reach and, on each, the audiences of
/// their side. The company's people reach their deals' items of every audience; a customer
/// user their account's shared deals' customer and both-sides items; a co-selling partner
/// user the partner and both-sides items of deals their organisation co-sells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollabScope {
    deals: DealScope,
    side: Side,
    /// The co-selling organisation, for partners: their deals must carry a `co_sell` link.
    co_seller: Option<AccountId>,
}

impl CollabScope {
    /// The company's people on the deals of `deals`.
    pub fn company(deals: DealScope) -> CollabScope {
        CollabScope {
            deals,
            side: Side::Company,
            co_seller: None,
        }
    }

    /// A customer user on their account's deals (`deals` is their deal scope).
    pub fn customer(deals: DealScope) -> CollabScope {
        CollabScope {
            deals,
            side: Side::Customer,
            co_seller: None,
        }
    }

    /// A partner user on the deals `organisation` co-sells, within `deals`.
    pub fn co_seller(deals: DealScope, organisation: AccountId) -> CollabScope {
        CollabScope {
            deals,
            side: Side::Partner,
            co_seller: Some(organisation),
        }
    }

    /// Nothing at all.
    pub fn none() -> CollabScope {
        CollabScope {
            deals: DealScope::None,
            side: Side::Customer,
            co_seller: None,
        }
    }

    /// The caller's side of the deal.
    pub fn side(&self) -> Side {
        self.side
    }

    /// The co-selling organisation of a partner caller.
    pub fn co_selling_organisation(&self) -> Option<&AccountId> {
        self.co_seller.as_ref()
    }

    /// The deals in reach, without the audience rule (for the deal itself).
    pub fn deals(&self) -> &DealScope {
        &self.deals
    }

    /// The audiences this caller reads.
    pub fn audiences(&self) -> &'static [Audience] {
        Audience::readable_by(self.side)
    }

    /// Whether the caller may read an item for `audience`.
    pub fn reads(&self, audience: Audience) -> bool {
        audience.is_readable_by(self.side)
    }

    /// Whether the caller may give an item `audience`: the company any; an external caller
    /// only their own side, or both sides when the item is the company's own (never theirs).
    pub fn may_address(&self, audience: Audience) -> bool {
        match self.side {
            Side::Company => true,
            side => audience == Audience::of_side(side),
        }
    }

    /// Appends ` AND <predicate>` limiting the deal aliased `d` to the deals in reach (and
    /// to co-sold ones for a partner). Use alone for deal-level reads.
    pub fn restrict_deal(&self, sql: &mut Sql) {
        self.deals.restrict(sql);
        if let Some(org) = &self.co_seller {
            sql.push(
                " AND EXISTS (SELECT 1 FROM deal_partners cx WHERE cx.deal_id = d.id \
                 AND cx.role = 'co_sell' AND cx.account_id = ",
            )
            .bind(org.as_str())
            .push(")");
        }
    }

    /// Appends ` AND <predicate>` limiting an item joined to its deal aliased `d` to the
    /// deals in reach and `audience_column` to the caller's audiences.
    pub fn restrict(&self, sql: &mut Sql, audience_column: &'static str) {
        self.restrict_deal(sql);
        if self.side != Side::Company {
            let audiences: Vec<String> = self
                .audiences()
                .iter()
                .map(|a| a.as_str().to_owned())
                .collect();
            sql.push(" AND ")
                .push(audience_column)
                .push(" IN ")
                .bind_list(&audiences);
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
    fn an_external_collaboration_scope_names_its_audiences_in_the_query() {
        let customer = CollabScope::customer(DealScope::None);
        assert_eq!(
            rendered(|s| customer.restrict(s, "x.audience")),
            "SELECT id FROM users WHERE id = $1 AND 1 = 0 AND x.audience IN ($2, $3)"
        );
        let partner = CollabScope::co_seller(DealScope::All, AccountId::new("p1"));
        let text = rendered(|s| partner.restrict(s, "x.audience"));
        assert!(
            text.contains("cx.role = 'co_sell' AND cx.account_id = $2"),
            "{text}"
        );
        assert!(text.ends_with("x.audience IN ($3, $4)"), "{text}");
        assert!(!customer.may_address(Audience::Internal));
        assert!(!customer.may_address(Audience::Both));
        assert!(customer.may_address(Audience::Customer));
        assert!(!partner.reads(Audience::Customer));
        assert!(CollabScope::company(DealScope::All).may_address(Audience::Internal));
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
