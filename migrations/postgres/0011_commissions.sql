-- Commissions: plans with rates by partner role (the deal type) and tier, account overrides,
-- one commission per (deal, partner account) link, and the payouts that settle them.
--
-- Amounts are integer minor units. A commission's amount is base × rate_bps / 10000,
-- rounded half away from zero to whole minor units (see app::commissions).

CREATE TABLE commission_plans (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    is_default  BIGINT NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
-- At most one default plan.
CREATE UNIQUE INDEX commission_plans_default ON commission_plans (is_default) WHERE is_default = 1;

-- A plan's rate for a role, for one tier or (tier_id NULL) for any tier.
CREATE TABLE commission_rates (
    id        TEXT PRIMARY KEY NOT NULL,
    plan_id   TEXT NOT NULL REFERENCES commission_plans (id),
    role      TEXT NOT NULL CHECK (role IN ('registered', 'co_sell', 'referral', 'influenced')),
    tier_id   TEXT REFERENCES partner_tiers (id),
    rate_bps  BIGINT NOT NULL CHECK (rate_bps BETWEEN 0 AND 10000)
);
CREATE UNIQUE INDEX commission_rates_key ON commission_rates (plan_id, role, COALESCE(tier_id, ''));

-- A partner account's own rate for a role, above any plan.
CREATE TABLE commission_overrides (
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    role        TEXT NOT NULL CHECK (role IN ('registered', 'co_sell', 'referral', 'influenced')),
    rate_bps    BIGINT NOT NULL CHECK (rate_bps BETWEEN 0 AND 10000),
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, role)
);

-- NULL: the default plan.
ALTER TABLE accounts ADD COLUMN commission_plan_id TEXT REFERENCES commission_plans (id);

CREATE TABLE commission_payouts (
    id            TEXT PRIMARY KEY NOT NULL,
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    amount_minor  BIGINT NOT NULL CHECK (amount_minor > 0),
    currency      TEXT NOT NULL,
    paid_on       TEXT NOT NULL,
    reference     TEXT NOT NULL,
    recorded_by   TEXT NOT NULL REFERENCES users (id),
    created_at    BIGINT NOT NULL
);
CREATE INDEX commission_payouts_account ON commission_payouts (account_id, paid_on DESC, id DESC);

CREATE TABLE commissions (
    id              TEXT PRIMARY KEY NOT NULL,
    deal_id         TEXT NOT NULL REFERENCES deals (id),
    account_id      TEXT NOT NULL REFERENCES accounts (id),
    role            TEXT NOT NULL CHECK (role IN ('registered', 'co_sell', 'referral', 'influenced')),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'earned', 'paid', 'clawed_back')),
    base_minor      BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    rate_bps        BIGINT NOT NULL CHECK (rate_bps BETWEEN 0 AND 10000),
    amount_minor    BIGINT NOT NULL,
    earned_at       BIGINT,
    paid_at         BIGINT,
    payout_id       TEXT REFERENCES commission_payouts (id),
    clawed_back_at  BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
-- One live commission per deal and partner account; clawed-back ones are history.
CREATE UNIQUE INDEX commissions_live ON commissions (deal_id, account_id) WHERE status <> 'clawed_back';
CREATE INDEX commissions_deal ON commissions (deal_id);
CREATE INDEX commissions_account ON commissions (account_id, status, id DESC);
CREATE INDEX commissions_payout ON commissions (payout_id);

INSERT INTO commission_plans (id, name, is_default, created_at, updated_at) VALUES
    ('019a0000-0000-7000-8000-000000000201', 'Standard', 1, 0, 0);
INSERT INTO commission_rates (id, plan_id, role, tier_id, rate_bps) VALUES
    ('019a0000-0000-7000-8000-000000000211', '019a0000-0000-7000-8000-000000000201', 'registered', NULL, 1000),
    ('019a0000-0000-7000-8000-000000000212', '019a0000-0000-7000-8000-000000000201', 'co_sell', NULL, 500),
    ('019a0000-0000-7000-8000-000000000213', '019a0000-0000-7000-8000-000000000201', 'referral', NULL, 800),
    ('019a0000-0000-7000-8000-000000000214', '019a0000-0000-7000-8000-000000000201', 'influenced', NULL, 200),
    ('019a0000-0000-7000-8000-000000000221', '019a0000-0000-7000-8000-000000000201', 'registered', '019a0000-0000-7000-8000-000000000103', 1200),
    ('019a0000-0000-7000-8000-000000000222', '019a0000-0000-7000-8000-000000000201', 'co_sell', '019a0000-0000-7000-8000-000000000103', 600),
    ('019a0000-0000-7000-8000-000000000223', '019a0000-0000-7000-8000-000000000201', 'referral', '019a0000-0000-7000-8000-000000000103', 1000),
    ('019a0000-0000-7000-8000-000000000224', '019a0000-0000-7000-8000-000000000201', 'influenced', '019a0000-0000-7000-8000-000000000103', 300),
    ('019a0000-0000-7000-8000-000000000231', '019a0000-0000-7000-8000-000000000201', 'registered', '019a0000-0000-7000-8000-000000000104', 1500),
    ('019a0000-0000-7000-8000-000000000232', '019a0000-0000-7000-8000-000000000201', 'co_sell', '019a0000-0000-7000-8000-000000000104', 750),
    ('019a0000-0000-7000-8000-000000000233', '019a0000-0000-7000-8000-000000000201', 'referral', '019a0000-0000-7000-8000-000000000104', 1200),
    ('019a0000-0000-7000-8000-000000000234', '019a0000-0000-7000-8000-000000000201', 'influenced', '019a0000-0000-7000-8000-000000000104', 400);
