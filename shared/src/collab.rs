//! Deal collaboration: who an item on a deal is for. Documents, thread posts, tasks,
//! meetings and notes each carry an [`Audience`]; the API's collaboration scope turns a
//! caller into the audiences they may read, inside every query.

use serde::{Deserialize, Serialize};

named_enum!(
    /// Who may see an item on a deal besides the company's own people (who see everything
    /// on the deals they reach).
    Audience {
        /// The company only.
        Internal = "internal",
        /// The customer's users (and the company).
        Customer = "customer",
        /// The co-selling partner's users (and the company).
        Partner = "partner",
        /// Both external sides (and the company).
        Both = "both",
    }
);

/// Which side of a deal a caller sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The company's own people.
    Company,
    /// The deal's customer.
    Customer,
    /// A co-selling partner.
    Partner,
}

impl Audience {
    /// The audiences a caller on `side` may read.
    pub fn readable_by(side: Side) -> &'static [Audience] {
        match side {
            Side::Company => Audience::ALL,
            Side::Customer => &[Audience::Customer, Audience::Both],
            Side::Partner => &[Audience::Partner, Audience::Both],
        }
    }

    /// Whether a caller on `side` may read an item for this audience.
    pub fn is_readable_by(self, side: Side) -> bool {
        Audience::readable_by(side).contains(&self)
    }

    /// The audience an external caller's own contributions get: their side and the company.
    pub fn of_side(side: Side) -> Audience {
        match side {
            Side::Company => Audience::Internal,
            Side::Customer => Audience::Customer,
            Side::Partner => Audience::Partner,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_side_reads_its_own_audiences_and_never_another_sides() {
        assert!(Audience::Internal.is_readable_by(Side::Company));
        assert!(!Audience::Internal.is_readable_by(Side::Customer));
        assert!(!Audience::Internal.is_readable_by(Side::Partner));
        assert!(!Audience::Partner.is_readable_by(Side::Customer));
        assert!(!Audience::Customer.is_readable_by(Side::Partner));
        assert!(Audience::Both.is_readable_by(Side::Customer));
        assert!(Audience::Both.is_readable_by(Side::Partner));
    }
}
