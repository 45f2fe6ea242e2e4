-- Identity: accounts, users, sessions, permission overrides and server secrets.
ALTER TABLE portals ADD COLUMN idle_timeout_secs BIGINT NOT NULL DEFAULT 1800;
ALTER TABLE portals ADD COLUMN absolute_lifetime_secs BIGINT NOT NULL DEFAULT 43200;

CREATE TABLE accounts (
    id             TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('customer', 'partner')),
    name           TEXT NOT NULL,
    domain         TEXT,
    region         TEXT,
    parent_id      TEXT REFERENCES accounts (id),
    owner_user_id  TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE users (
    id                 TEXT PRIMARY KEY NOT NULL,
    email              TEXT NOT NULL,
    email_normalized   TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    role               TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'channel_manager', 'sales_rep',
                                                     'customer_user', 'partner_user', 'partner_admin')),
    account_id         TEXT REFERENCES accounts (id),
    portal_id          TEXT REFERENCES portals (id),
    status             TEXT NOT NULL CHECK (status IN ('invited', 'active', 'deactivated')),
    password_hash      TEXT,
    access_expires_at  BIGINT,
    title              TEXT,
    phone              TEXT,
    last_sign_in_at    BIGINT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    CHECK ((role IN ('admin', 'manager', 'channel_manager', 'sales_rep') AND account_id IS NULL AND portal_id IS NULL)
        OR (role IN ('customer_user', 'partner_user', 'partner_admin') AND account_id IS NOT NULL AND portal_id IS NOT NULL))
);
CREATE INDEX users_account ON users (account_id);

CREATE TABLE sessions (
    id                     TEXT PRIMARY KEY NOT NULL,
    token_hash             TEXT NOT NULL UNIQUE,
    user_id                TEXT NOT NULL REFERENCES users (id),
    portal_id              TEXT REFERENCES portals (id),
    refresh_hash           TEXT NOT NULL,
    previous_refresh_hash  TEXT,
    created_at             BIGINT NOT NULL,
    last_seen_at           BIGINT NOT NULL,
    idle_timeout_secs      BIGINT NOT NULL,
    expires_at             BIGINT NOT NULL,
    ip                     TEXT,
    user_agent             TEXT,
    ended_at               BIGINT,
    end_reason             TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE permission_overrides (
    scope_kind  TEXT NOT NULL CHECK (scope_kind IN ('portal', 'account', 'user')),
    scope_id    TEXT NOT NULL,
    permission  TEXT NOT NULL,
    allowed     BIGINT NOT NULL CHECK (allowed IN (0, 1)),
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (scope_kind, scope_id, permission)
);

CREATE TABLE server_secrets (
    name        TEXT PRIMARY KEY NOT NULL,
    value       TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
