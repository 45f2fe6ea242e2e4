-- Consecutive sign-in failures per email address, for growing delays (never a lockout).
CREATE TABLE auth_throttle (
    key              TEXT PRIMARY KEY NOT NULL,
    failures         BIGINT NOT NULL,
    last_failure_at  BIGINT NOT NULL
);
