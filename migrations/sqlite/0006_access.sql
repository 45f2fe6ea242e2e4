-- Self-registration, read-only "view as" sessions, and the stale-access review.
ALTER TABLE portals ADD COLUMN self_registration BIGINT NOT NULL DEFAULT 0 CHECK (self_registration IN (0, 1));
ALTER TABLE portals ADD COLUMN registration_domains TEXT;

CREATE TABLE access_requests (
    id            TEXT PRIMARY KEY NOT NULL,
    portal_id     TEXT NOT NULL REFERENCES portals (id),
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    company       TEXT NOT NULL,
    message       TEXT,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by    TEXT REFERENCES users (id),
    decided_at    BIGINT,
    reason        TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX access_requests_status ON access_requests (status, created_at);

ALTER TABLE sessions ADD COLUMN viewed_by TEXT;
ALTER TABLE users ADD COLUMN stale_since BIGINT;
