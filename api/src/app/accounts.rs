//! Account administration: the customer and partner organisations.

use portcullis_shared::FieldCode;
use portcullis_shared::FieldError;
use portcullis_shared::PortalKind;
use portcullis_shared::admin::{Account, AccountInput, AccountPatch};
use portcullis_shared::deals::PartnerDealVisibility;

use crate::app::scope::{self, require};
use crate::app::{Actor, App, Audit, Page, Tx, page};
use crate::auth::Principal;
use crate::domain::portal::{check_name, is_valid_hostname};
use crate::error::ApiError;
use crate::storage::{AccountScope, accounts, deals, users};

/// Accounts the caller may read, oldest first.
pub async fn list(
    app: &App,
    p: &Principal,
    kind: Option<PortalKind>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Account>, ApiError> {
    let scope = require::staff(p)?;
    let mut conn = app.read().await?;
    let rows = accounts::list(&mut conn, &scope, kind, cursor, limit + 1).await?;
    Ok(page(rows, limit, |a| a.id.clone()))
}

/// One account the caller may read.
pub async fn get(app: &App, p: &Principal, id: &str) -> Result<Account, ApiError> {
    let scope = require::staff(p)?;
    let mut conn = app.read().await?;
    accounts::get(&mut conn, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Creates an account.
pub async fn create(app: &App, p: &Principal, input: AccountInput) -> Result<Account, ApiError> {
    let scope = require::manage_portals(p)?;
    let mut tx = app.begin().await?;
    let errors = check(&mut tx, &scope, &input, None).await?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let row = stored(input);
    let id = accounts::insert(&mut tx, &row).await?;
    crate::app::registrations::index_account(
        &mut tx,
        &id,
        &row.name,
        row.domain.as_deref(),
        row.kind,
    )
    .await?;
    tx.audit(Audit::new(Actor::User(p), "account.create").object("account", id.clone()))
        .await?;
    crate::app::referrals::attribute_account(app, &mut tx, Actor::User(p), &id).await?;
    let account = accounts::get(&mut tx, &scope, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(account)
}

/// Changes an account's name, domain, region, parent or owner.
pub async fn update(
    app: &App,
    p: &Principal,
    id: &str,
    patch: AccountPatch,
) -> Result<Account, ApiError> {
    require::manage_portals(p)?;
    let scope = scope::accounts(p);
    let mut tx = app.begin().await?;
    let current = accounts::get(&mut tx, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let input = AccountInput {
        kind: current.kind,
        name: patch.name.unwrap_or(current.name),
        domain: patch.domain.unwrap_or(current.domain),
        region: patch.region.unwrap_or(current.region.clone()),
        parent_id: patch.parent_id.unwrap_or(current.parent_id),
        owner_user_id: patch.owner_user_id.unwrap_or(current.owner_user_id),
        partner_deal_visibility: Some(
            patch
                .partner_deal_visibility
                .unwrap_or(current.partner_deal_visibility),
        ),
    };
    let region_changed = input.region.as_deref().map(str::trim) != current.region.as_deref();
    let errors = check(&mut tx, &scope, &input, Some(id)).await?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let stored = stored(input);
    accounts::update(&mut tx, id, &stored).await?;
    if region_changed {
        // Region-limited staff find the account's deals under its new region.
        deals::move_account_region(&mut tx, id, stored.region.as_deref()).await?;
    }
    crate::app::registrations::index_account(
        &mut tx,
        id,
        &stored.name,
        stored.domain.as_deref(),
        stored.kind,
    )
    .await?;
    tx.audit(Audit::new(Actor::User(p), "account.update").object("account", id))
        .await?;
    crate::app::referrals::attribute_account(app, &mut tx, Actor::User(p), id).await?;
    let account = accounts::get(&mut tx, &scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(account)
}

/// A checked account as stored: names trimmed.
fn stored(input: AccountInput) -> accounts::NewAccount {
    accounts::NewAccount {
        kind: input.kind,
        name: input.name.trim().to_owned(),
        domain: input.domain,
        region: input.region.map(|r| r.trim().to_owned()),
        parent_id: input.parent_id,
        owner_user_id: input.owner_user_id,
        partner_deal_visibility: input
            .partner_deal_visibility
            .unwrap_or(PartnerDealVisibility::Organisation),
    }
}

/// Every problem with an account's fields; `id` is the account being edited, if any.
async fn check(
    tx: &mut Tx,
    scope: &AccountScope,
    input: &AccountInput,
    id: Option<&str>,
) -> Result<Vec<FieldError>, ApiError> {
    let mut errors = Vec::new();
    check_name("name", &input.name, &mut errors);
    if input
        .domain
        .as_deref()
        .is_some_and(|d| !is_valid_hostname(d))
    {
        errors.push(FieldError::new(
            "domain",
            FieldCode::InvalidFormat,
            "must be a lowercase domain such as acme.example",
        ));
    }
    if input
        .region
        .as_deref()
        .is_some_and(|r| r.trim().is_empty() || r.chars().count() > 50)
    {
        errors.push(FieldError::new(
            "region",
            FieldCode::InvalidLength,
            "must be 1-50 characters",
        ));
    }
    if let Some(parent) = &input.parent_id {
        let ok = accounts::get(tx, scope, parent)
            .await?
            .is_some_and(|p| p.kind == input.kind);
        if !ok {
            errors.push(FieldError::new(
                "parent_id",
                FieldCode::NotFound,
                "must be an existing account of the same type",
            ));
        }
    }
    if let Some(owner) = &input.owner_user_id {
        let ok = users::find_by_id(tx, owner)
            .await?
            .is_some_and(|u| u.role.is_internal());
        if !ok {
            errors.push(FieldError::new(
                "owner_user_id",
                FieldCode::NotFound,
                "must be an internal user",
            ));
        }
    }
    if id.is_some() && input.parent_id.as_deref() == id {
        errors.push(FieldError::new(
            "parent_id",
            FieldCode::InvalidValue,
            "an account cannot be its own parent",
        ));
    }
    Ok(errors)
}
