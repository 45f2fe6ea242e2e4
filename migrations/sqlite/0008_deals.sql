-- Deals and the pipeline.
--
-- Who may see a deal is kept beside it in deal_reach: one row per audience the deal is
-- visible to, carrying the deal's sort keys. Every list ("my deals" of a partner, of a
-- customer, of a rep, of a region) is then one index range scan over (reach, sort key),
-- newest first, with no sort over all of an audience's deals. Reach keys:
--   u:<user>      the owner and each member of the deal team
--   a:<account>   every deal of a customer account (internal filters)
--   c:<account>   the account's deals shared to the portal (customer users)
--   p:<account>   deals a partner organisation is linked to
--   pu:<user>     deals a partner user is responsible for
--   r:<region>    deals of accounts in a region
--   partnered     deals with any partner link (channel managers)
--   all           every deal (administrators and managers)

-- Internal users may be limited to regions (comma-separated; NULL = everywhere).
ALTER TABLE users ADD COLUMN regions TEXT;
-- The sign-in before the latest: "what changed since your last visit" counts from here.
ALTER TABLE users ADD COLUMN previous_sign_in_at BIGINT;
-- A partner organisation's users see the organisation's deals, or only those they are
-- responsible for.
ALTER TABLE accounts ADD COLUMN partner_deal_visibility TEXT NOT NULL DEFAULT 'organisation'
    CHECK (partner_deal_visibility IN ('organisation', 'own'));

CREATE TABLE pipeline_stages (
    id              TEXT PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL UNIQUE,
    position        BIGINT NOT NULL,
    probability     BIGINT NOT NULL CHECK (probability BETWEEN 0 AND 100),
    category        TEXT NOT NULL CHECK (category IN ('open', 'won', 'lost')),
    locks_contract  BIGINT NOT NULL CHECK (locks_contract IN (0, 1)),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE contacts (
    id                TEXT PRIMARY KEY NOT NULL,
    account_id        TEXT NOT NULL REFERENCES accounts (id),
    name              TEXT NOT NULL,
    email             TEXT NOT NULL,
    email_normalized  TEXT NOT NULL,
    title             TEXT,
    phone             TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    UNIQUE (account_id, email_normalized)
);

CREATE TABLE deals (
    id                   TEXT PRIMARY KEY NOT NULL,
    account_id           TEXT NOT NULL REFERENCES accounts (id),
    name                 TEXT NOT NULL,
    stage_id             TEXT NOT NULL REFERENCES pipeline_stages (id),
    amount_minor         BIGINT,
    currency             TEXT,
    amount_shared        BIGINT NOT NULL DEFAULT 0 CHECK (amount_shared IN (0, 1)),
    expected_close_date  TEXT,
    owner_id             TEXT NOT NULL REFERENCES users (id),
    source               TEXT NOT NULL CHECK (source IN ('direct', 'partner', 'referral')),
    shared               BIGINT NOT NULL DEFAULT 0 CHECK (shared IN (0, 1)),
    next_steps           TEXT,
    internal_tags        TEXT,
    region               TEXT,
    external_id          TEXT UNIQUE,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    closed_at            BIGINT,
    shared_changed_at    BIGINT,
    version              BIGINT NOT NULL DEFAULT 1,
    CHECK ((amount_minor IS NULL) = (currency IS NULL))
);
CREATE INDEX deals_stage ON deals (stage_id);
CREATE INDEX deals_account ON deals (account_id);

CREATE TABLE deal_team (
    deal_id  TEXT NOT NULL REFERENCES deals (id),
    user_id  TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (deal_id, user_id)
);

CREATE TABLE deal_contacts (
    deal_id     TEXT NOT NULL REFERENCES deals (id),
    contact_id  TEXT NOT NULL REFERENCES contacts (id),
    PRIMARY KEY (deal_id, contact_id)
);

CREATE TABLE deal_partners (
    deal_id          TEXT NOT NULL REFERENCES deals (id),
    account_id       TEXT NOT NULL REFERENCES accounts (id),
    role             TEXT NOT NULL CHECK (role IN ('registered', 'co_sell', 'referral', 'influenced')),
    partner_user_id  TEXT REFERENCES users (id),
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (deal_id, account_id)
);

CREATE TABLE deal_reach (
    reach         TEXT NOT NULL,
    deal_id       TEXT NOT NULL REFERENCES deals (id),
    updated_at    BIGINT NOT NULL,
    close_on      TEXT NOT NULL,
    amount_minor  BIGINT NOT NULL,
    PRIMARY KEY (reach, deal_id)
);
CREATE INDEX deal_reach_updated ON deal_reach (reach, updated_at DESC, deal_id DESC);
CREATE INDEX deal_reach_close ON deal_reach (reach, close_on, deal_id);
CREATE INDEX deal_reach_amount ON deal_reach (reach, amount_minor DESC, deal_id DESC);
CREATE INDEX deal_reach_deal ON deal_reach (deal_id);

CREATE TABLE deal_events (
    id          TEXT PRIMARY KEY NOT NULL,
    deal_id     TEXT NOT NULL REFERENCES deals (id),
    at          BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    shared      BIGINT NOT NULL CHECK (shared IN (0, 1)),
    actor_id    TEXT,
    body        TEXT,
    details     TEXT NOT NULL
);
CREATE INDEX deal_events_deal ON deal_events (deal_id, at DESC, id DESC);

INSERT INTO pipeline_stages (id, name, position, probability, category, locks_contract, created_at, updated_at) VALUES
    ('019a0000-0000-7000-8000-000000000001', 'Prospecting', 1, 10, 'open', 0, 0, 0),
    ('019a0000-0000-7000-8000-000000000002', 'Qualification', 2, 20, 'open', 0, 0, 0),
    ('019a0000-0000-7000-8000-000000000003', 'Proposal', 3, 50, 'open', 0, 0, 0),
    ('019a0000-0000-7000-8000-000000000004', 'Negotiation', 4, 75, 'open', 1, 0, 0),
    ('019a0000-0000-7000-8000-000000000005', 'Closed won', 5, 100, 'won', 1, 0, 0),
    ('019a0000-0000-7000-8000-000000000006', 'Closed lost', 6, 0, 'lost', 1, 0, 0);
