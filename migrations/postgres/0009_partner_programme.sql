-- The partner programme: tiers, deal registrations and the keys their conflicts are found by,
-- referrals, tasks, in-app notifications and idempotent creates.

-- Per portal: how long an approved registration is protected, and whether the deal is
-- created when a registration is approved or at once when it is submitted (in triage).
ALTER TABLE portals ADD COLUMN protection_days BIGINT NOT NULL DEFAULT 90;
ALTER TABLE portals ADD COLUMN registration_conversion TEXT NOT NULL DEFAULT 'on_approval'
    CHECK (registration_conversion IN ('on_approval', 'on_submit'));

-- Partner tiers, lowest rank first; a partner account reaches a tier when both minimums are
-- met over the trailing 12 months (won revenue counted in the tier's currency).
CREATE TABLE partner_tiers (
    id               TEXT PRIMARY KEY NOT NULL,
    name             TEXT NOT NULL UNIQUE,
    rank             BIGINT NOT NULL UNIQUE,
    min_won_minor    BIGINT NOT NULL DEFAULT 0,
    min_won_deals    BIGINT NOT NULL DEFAULT 0,
    currency         TEXT NOT NULL DEFAULT 'USD',
    protection_days  BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
INSERT INTO partner_tiers (id, name, rank, min_won_minor, min_won_deals, currency, protection_days, created_at, updated_at) VALUES
    ('019a0000-0000-7000-8000-000000000101', 'Registered', 0, 0, 0, 'USD', NULL, 0, 0),
    ('019a0000-0000-7000-8000-000000000102', 'Silver', 1, 5000000, 2, 'USD', NULL, 0, 0),
    ('019a0000-0000-7000-8000-000000000103', 'Gold', 2, 25000000, 5, 'USD', 120, 0, 0),
    ('019a0000-0000-7000-8000-000000000104', 'Platinum', 3, 100000000, 10, 'USD', 180, 0, 0);

ALTER TABLE accounts ADD COLUMN tier_id TEXT REFERENCES partner_tiers (id);
ALTER TABLE accounts ADD COLUMN tier_override_id TEXT REFERENCES partner_tiers (id);
ALTER TABLE accounts ADD COLUMN tier_changed_at BIGINT;
-- Every partner organisation starts at the entry tier; the tier job moves it from there.
UPDATE accounts SET tier_id = '019a0000-0000-7000-8000-000000000101' WHERE kind = 'partner';
-- The account's normalised name, filled by the server (also for accounts that predate it).
ALTER TABLE accounts ADD COLUMN name_key TEXT;

-- Blocking keys: every account, live registration and referral is findable by a few short
-- keys (its registrable domain, its normalised name, prefixes of it), so conflict checks
-- are index lookups, never a scan.
CREATE TABLE match_keys (
    match_key     TEXT NOT NULL,
    subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('account', 'registration', 'referral')),
    subject_id    TEXT NOT NULL,
    PRIMARY KEY (match_key, subject_kind, subject_id)
);
CREATE INDEX match_keys_subject ON match_keys (subject_id);

-- Row locks taken on a submission's keys, in key order, so two submissions of one prospect
-- are decided one after the other: exactly one is first.
CREATE TABLE match_locks (
    match_key  TEXT PRIMARY KEY NOT NULL,
    touched_at BIGINT NOT NULL
);

CREATE TABLE registrations (
    id                   TEXT PRIMARY KEY NOT NULL,
    account_id           TEXT NOT NULL REFERENCES accounts (id),
    submitted_by         TEXT NOT NULL REFERENCES users (id),
    company              TEXT NOT NULL,
    company_key          TEXT NOT NULL,
    website              TEXT,
    domain               TEXT,
    contact_name         TEXT NOT NULL,
    contact_email        TEXT NOT NULL,
    contact_phone        TEXT,
    amount_minor         BIGINT NOT NULL,
    currency             TEXT NOT NULL,
    product_interest     TEXT NOT NULL,
    expected_close_date  TEXT NOT NULL,
    description          TEXT NOT NULL,
    region               TEXT,
    status               TEXT NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected', 'won', 'lost', 'expired')),
    conflict             TEXT NOT NULL CHECK (conflict IN ('none', 'own_duplicate', 'other_partner', 'existing_customer')),
    rejection_reason     TEXT,
    appeal               TEXT,
    appealed_at          BIGINT,
    decided_by           TEXT REFERENCES users (id),
    decided_at           BIGINT,
    protected_until      BIGINT,
    reminders_sent       BIGINT NOT NULL DEFAULT 0,
    deal_id              TEXT REFERENCES deals (id),
    receipt              TEXT NOT NULL,
    submitted_at         BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    version              BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX registrations_account ON registrations (account_id, submitted_at DESC, id DESC);
CREATE INDEX registrations_queue ON registrations (status, submitted_at, id);
CREATE INDEX registrations_protection ON registrations (status, protected_until);
CREATE INDEX registrations_deal ON registrations (deal_id);

-- What a registration was found to conflict with, for reviewers: score in thousandths.
CREATE TABLE registration_matches (
    registration_id  TEXT NOT NULL REFERENCES registrations (id),
    match_kind       TEXT NOT NULL CHECK (match_kind IN ('account', 'deal', 'registration', 'referral')),
    match_id         TEXT NOT NULL,
    reason           TEXT NOT NULL,
    score            BIGINT NOT NULL,
    PRIMARY KEY (registration_id, match_kind, match_id)
);

CREATE TABLE tasks (
    id           TEXT PRIMARY KEY NOT NULL,
    assignee_id  TEXT NOT NULL REFERENCES users (id),
    title        TEXT NOT NULL,
    body         TEXT,
    source       TEXT NOT NULL,
    source_id    TEXT,
    deal_id      TEXT REFERENCES deals (id),
    account_id   TEXT REFERENCES accounts (id),
    status       TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done')),
    due_at       BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    done_at      BIGINT
);
CREATE INDEX tasks_assignee ON tasks (assignee_id, status, due_at);
CREATE INDEX tasks_source ON tasks (source, source_id);

-- Where round-robin assignments left off, per pool.
CREATE TABLE assignment_cursors (
    pool          TEXT PRIMARY KEY NOT NULL,
    last_user_id  TEXT NOT NULL
);

CREATE TABLE referrals (
    id                  TEXT PRIMARY KEY NOT NULL,
    account_id          TEXT NOT NULL REFERENCES accounts (id),
    submitted_by        TEXT NOT NULL REFERENCES users (id),
    company             TEXT NOT NULL,
    company_key         TEXT NOT NULL,
    website             TEXT,
    domain              TEXT,
    contact_name        TEXT NOT NULL,
    contact_email       TEXT NOT NULL,
    contact_phone       TEXT,
    notes               TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('submitted', 'accepted', 'in_pipeline', 'won', 'lost')),
    conflict            TEXT NOT NULL CHECK (conflict IN ('none', 'own_duplicate', 'other_partner', 'existing_customer')),
    assignee_id         TEXT REFERENCES users (id),
    task_id             TEXT REFERENCES tasks (id),
    matched_account_id  TEXT REFERENCES accounts (id),
    deal_id             TEXT REFERENCES deals (id),
    credited_at         BIGINT,
    submitted_at        BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX referrals_account ON referrals (account_id, submitted_at DESC, id DESC);
CREATE INDEX referrals_deal ON referrals (deal_id);

CREATE TABLE notifications (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    link         TEXT,
    created_at   BIGINT NOT NULL,
    read_at      BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id, read_at);

-- Creates that carry an Idempotency-Key: the first result, replayed for the same key and body.
CREATE TABLE idempotency_keys (
    user_id       TEXT NOT NULL,
    operation     TEXT NOT NULL,
    idem_key      TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        BIGINT NOT NULL,
    response      TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (user_id, operation, idem_key)
);
