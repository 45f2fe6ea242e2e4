-- Audit entries are written inside the transaction of the change they record, into
-- audit_pending; a sealing step moves them into the chained, append-only audit_log in the
-- order they committed. Writers never wait on the chain's head.
CREATE TABLE audit_pending (
    id           TEXT PRIMARY KEY NOT NULL,
    at           BIGINT NOT NULL,
    actor_id     TEXT,
    ip           TEXT,
    user_agent   TEXT,
    action       TEXT NOT NULL,
    object_type  TEXT,
    object_id    TEXT,
    portal_id    TEXT,
    outcome      TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    details      TEXT NOT NULL
);

-- The job queue: enqueued inside a use case's transaction, claimed with a lease, retried
-- with exponential backoff, dead after max_attempts. A recurring job's occurrence carries a
-- unique dedupe_key, so several nodes scheduling it agree on one.
CREATE TABLE jobs (
    id            TEXT PRIMARY KEY NOT NULL,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'dead')),
    attempts      BIGINT NOT NULL DEFAULT 0,
    max_attempts  BIGINT NOT NULL,
    run_at        BIGINT NOT NULL,
    lease_until   BIGINT,
    locked_by     TEXT,
    last_error    TEXT,
    dedupe_key    TEXT UNIQUE,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
-- Claims look at due work only: queued or failed (awaiting retry) by run_at, running by lease.
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_kind_state ON jobs (kind, state);
