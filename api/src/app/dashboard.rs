//! The partner dashboard: a partner organisation's registrations, pipeline, wins,
//! commissions, tier and notifications in one answer, each part only with the permission
//! that shows it on its own page.

use portcullis_shared::partners::{DealTotal, PartnerDashboard, RegistrationStatus, StatusCount};
use portcullis_shared::{Currency, Money, Permission, Role};

use crate::app::{App, commissions, notifications, tiers};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::storage::accounts;
use crate::storage::partners::{self as store, ProgrammeScope};
use crate::time;

const YEAR: i64 = 365 * 24 * 3600 * 1_000_000;

fn totals(rows: Vec<(String, i64, i64)>) -> Vec<DealTotal> {
    rows.into_iter()
        .filter_map(|(currency, deals, total)| {
            Some(DealTotal {
                amount: Money::new(total, Currency::parse(&currency)?),
                deals,
            })
        })
        .collect()
}

/// The dashboard of the caller's partner organisation; internal users name the account.
pub async fn partner(
    app: &App,
    p: &Principal,
    account: Option<&str>,
) -> Result<PartnerDashboard, ApiError> {
    let (account_id, user) = match (p.role, &p.account_id) {
        (Role::PartnerUser | Role::PartnerAdmin, Some(own)) => {
            if account.is_some_and(|a| a != own.as_str()) {
                return Err(ApiError::NotFound);
            }
            let user =
                (p.role == Role::PartnerUser && p.own_deals_only).then(|| p.user_id.to_string());
            (own.to_string(), user)
        }
        (role, _) if role.is_internal() => match account {
            Some(a) => (a.to_owned(), None),
            None => {
                return Err(ApiError::field(
                    "account",
                    portcullis_shared::FieldCode::Required,
                    "name the partner account",
                ));
            }
        },
        _ => return Err(ApiError::Forbidden),
    };
    let mut conn = app.read().await?;
    let Some(row) = accounts::find_by_id(&mut conn, &account_id).await? else {
        return Err(ApiError::NotFound);
    };
    if row.kind != portcullis_shared::PortalKind::Partner {
        return Err(ApiError::NotFound);
    }
    let scope = match &user {
        Some(u) => ProgrammeScope::Submitter(account_id.clone().into(), u.clone().into()),
        None => ProgrammeScope::Organisation(account_id.clone().into()),
    };
    let counts = store::registration_counts(&mut conn, &scope).await?;
    let count = |s: RegistrationStatus| {
        counts
            .iter()
            .find(|(status, _)| status == s.as_str())
            .map_or(0, |(_, n)| *n)
    };
    let registrations: Vec<StatusCount> = RegistrationStatus::ALL
        .iter()
        .map(|s| StatusCount {
            status: *s,
            count: count(*s),
        })
        .collect();
    let approved = [
        RegistrationStatus::Approved,
        RegistrationStatus::Won,
        RegistrationStatus::Lost,
        RegistrationStatus::Expired,
    ]
    .iter()
    .map(|s| count(*s))
    .sum::<i64>();
    let decided = approved + count(RegistrationStatus::Rejected);
    let pipeline =
        store::linked_deal_totals(&mut conn, &account_id, user.as_deref(), "open", None).await?;
    let won = store::linked_deal_totals(
        &mut conn,
        &account_id,
        user.as_deref(),
        "won",
        Some(time::now() - YEAR),
    )
    .await?;
    drop(conn);
    let internal = p.role.is_internal();
    let commissions = if internal || p.granted(Permission::ViewCommissions) {
        Some(commissions::summary(app, p, Some(&account_id)).await?)
    } else {
        None
    };
    let tier = if internal || p.granted(Permission::ViewPartnerTierStatus) {
        Some(tiers::status(app, p, Some(&account_id)).await?)
    } else {
        None
    };
    let recent = notifications::list(app, p, false, None, Some(5)).await?;
    Ok(PartnerDashboard {
        account_id: account_id.into(),
        account_name: row.name,
        registrations,
        approval_rate_percent: (decided > 0).then(|| (approved * 100 + decided / 2) / decided),
        pipeline: totals(pipeline),
        won_last_12_months: totals(won),
        commissions,
        tier,
        unread_notifications: recent.unread,
        notifications: recent.items,
    })
}
