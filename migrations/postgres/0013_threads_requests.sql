-- Deal threads, structured requests that become tasks with SLAs, and the co-selling
-- workspace (strategy notes, joint tasks).
--
-- A deal has one thread per external side: audience 'customer' (customer ↔ company) and
-- 'partner' (co-selling partner ↔ company). A post marked internal is a note for the
-- company inside that thread; external callers' queries exclude it in SQL.

-- Who a user's work escalates to when a task they own goes past its SLA.
ALTER TABLE users ADD COLUMN manager_id TEXT REFERENCES users (id);

CREATE TABLE thread_posts (
    id           TEXT PRIMARY KEY NOT NULL,
    deal_id      TEXT NOT NULL REFERENCES deals (id),
    audience     TEXT NOT NULL CHECK (audience IN ('customer', 'partner')),
    author_id    TEXT NOT NULL REFERENCES users (id),
    author_side  TEXT NOT NULL CHECK (author_side IN ('company', 'customer', 'partner')),
    -- The markdown as written (mentions as @[Name](user:<id>)).
    body         TEXT NOT NULL,
    -- The markdown external readers get: mentions as plain @Name.
    body_public  TEXT NOT NULL,
    -- body_public rendered and cleaned when written.
    body_html    TEXT NOT NULL,
    internal     BIGINT NOT NULL DEFAULT 0 CHECK (internal IN (0, 1)),
    created_at   BIGINT NOT NULL
);
CREATE INDEX thread_posts_thread ON thread_posts (deal_id, audience, id);

-- The internal people a post mentions (and notified).
CREATE TABLE post_mentions (
    post_id  TEXT NOT NULL REFERENCES thread_posts (id),
    user_id  TEXT NOT NULL REFERENCES users (id),
    name     TEXT NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

-- Documents attached to a post (documents live in their own area; no foreign key here).
CREATE TABLE post_attachments (
    post_id      TEXT NOT NULL REFERENCES thread_posts (id),
    document_id  TEXT NOT NULL,
    PRIMARY KEY (post_id, document_id)
);

-- Where each user has read a thread up to: posts after read_at are unread.
CREATE TABLE thread_reads (
    deal_id   TEXT NOT NULL REFERENCES deals (id),
    audience  TEXT NOT NULL CHECK (audience IN ('customer', 'partner')),
    user_id   TEXT NOT NULL REFERENCES users (id),
    read_at   BIGINT NOT NULL,
    PRIMARY KEY (deal_id, audience, user_id)
);

-- Tasks: who besides the company sees them (joint tasks of a co-sold deal: 'partner'), who
-- created them, and when an overdue one was escalated (claimed once, by one node).
ALTER TABLE tasks ADD COLUMN audience TEXT NOT NULL DEFAULT 'internal'
    CHECK (audience IN ('internal', 'customer', 'partner', 'both'));
ALTER TABLE tasks ADD COLUMN created_by TEXT REFERENCES users (id);
ALTER TABLE tasks ADD COLUMN escalated_at BIGINT;
ALTER TABLE tasks ADD COLUMN escalated_to TEXT REFERENCES users (id);
CREATE INDEX tasks_deal ON tasks (deal_id, created_at DESC, id DESC);
CREATE INDEX tasks_escalation ON tasks (escalated_at, due_at);

CREATE TABLE requests (
    id            TEXT PRIMARY KEY NOT NULL,
    deal_id       TEXT NOT NULL REFERENCES deals (id),
    -- The requester's side: 'customer' or 'partner'.
    audience      TEXT NOT NULL CHECK (audience IN ('customer', 'partner')),
    kind          TEXT NOT NULL CHECK (kind IN ('quote', 'change_order', 'meeting', 'support_escalation', 'document')),
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('submitted', 'in_progress', 'done')),
    answer        TEXT,
    requested_by  TEXT NOT NULL REFERENCES users (id),
    portal_id     TEXT REFERENCES portals (id),
    task_id       TEXT NOT NULL REFERENCES tasks (id),
    due_at        BIGINT NOT NULL,
    answered_by   TEXT REFERENCES users (id),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX requests_deal ON requests (deal_id, created_at DESC, id DESC);
CREATE INDEX requests_created ON requests (created_at DESC, id DESC);

-- A portal's SLA per request kind, in hours; kinds without a row use the defaults in code.
CREATE TABLE request_slas (
    portal_id  TEXT NOT NULL REFERENCES portals (id),
    kind       TEXT NOT NULL CHECK (kind IN ('quote', 'change_order', 'meeting', 'support_escalation', 'document')),
    hours      BIGINT NOT NULL CHECK (hours BETWEEN 1 AND 8760),
    PRIMARY KEY (portal_id, kind)
);

-- Notes on a co-sold deal for the company and the co-selling partner only.
CREATE TABLE strategy_notes (
    id           TEXT PRIMARY KEY NOT NULL,
    deal_id      TEXT NOT NULL REFERENCES deals (id),
    author_id    TEXT NOT NULL REFERENCES users (id),
    author_side  TEXT NOT NULL CHECK (author_side IN ('company', 'partner')),
    body         TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX strategy_notes_deal ON strategy_notes (deal_id, created_at DESC, id DESC);
