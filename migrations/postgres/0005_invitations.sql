-- Invitations, the email outbox, and what onboarding collects.
CREATE TABLE invitations (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id),
    token_hash   TEXT NOT NULL UNIQUE,
    invited_by   TEXT REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    accepted_at  BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX invitations_user ON invitations (user_id);

CREATE TABLE outbox (
    id          TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL,
    to_email    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body_text   TEXT NOT NULL,
    body_html   TEXT NOT NULL,
    portal_id   TEXT REFERENCES portals (id),
    created_at  BIGINT NOT NULL,
    sent_at     BIGINT,
    attempts    BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT
);
CREATE INDEX outbox_unsent ON outbox (sent_at, created_at);

ALTER TABLE users ADD COLUMN notification_prefs TEXT;
ALTER TABLE users ADD COLUMN onboarded_at BIGINT;

CREATE TABLE user_photos (
    user_id       TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    content_type  TEXT NOT NULL,
    data          BYTEA NOT NULL,
    updated_at    BIGINT NOT NULL
);
