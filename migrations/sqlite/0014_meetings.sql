-- Meeting scheduling on deals.
--
-- People publish weekly availability in their own time zone (the windows and the dated
-- exceptions are kept as JSON, read whole for each host). A meeting takes the time of its
-- hosts; every 30-minute cell of that time is a row of meeting_holds whose primary key is
-- (host, cell), so two meetings can never hold one host's cell: a booking inserts its holds
-- in its own transaction, and the second of two concurrent bookings conflicts on both
-- backends. Cancelling deletes the holds; rescheduling replaces them.

CREATE TABLE availability (
    user_id     TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    time_zone   TEXT NOT NULL,
    weekly      TEXT NOT NULL,
    exceptions  TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE meetings (
    id            TEXT PRIMARY KEY NOT NULL,
    deal_id       TEXT NOT NULL REFERENCES deals (id),
    audience      TEXT NOT NULL CHECK (audience IN ('internal', 'customer', 'partner', 'both')),
    subject       TEXT NOT NULL,
    notes         TEXT,
    starts_at     BIGINT NOT NULL,
    ends_at       BIGINT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
    sequence      BIGINT NOT NULL DEFAULT 0,
    booked_by     TEXT NOT NULL REFERENCES users (id),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    cancelled_at  BIGINT,
    CHECK (ends_at > starts_at)
);
CREATE INDEX meetings_deal ON meetings (deal_id, starts_at);
CREATE INDEX meetings_upcoming ON meetings (ends_at, starts_at);

CREATE TABLE meeting_hosts (
    meeting_id  TEXT NOT NULL REFERENCES meetings (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX meeting_hosts_user ON meeting_hosts (user_id);

CREATE TABLE meeting_holds (
    host_user_id  TEXT NOT NULL REFERENCES users (id),
    slot_start    BIGINT NOT NULL,
    meeting_id    TEXT NOT NULL REFERENCES meetings (id),
    PRIMARY KEY (host_user_id, slot_start)
);
CREATE INDEX meeting_holds_meeting ON meeting_holds (meeting_id);

-- An email may carry a calendar invitation.
ALTER TABLE outbox ADD COLUMN ics TEXT;
ALTER TABLE outbox ADD COLUMN ics_name TEXT;
