-- Ed25519 keys that sign receipts (proof of what a partner submitted, and when). The current
-- key is the newest unretired one; a retired key signs nothing new but stays here, so that
-- what it signed still verifies. Ids are generations (`rk-000001`, `rk-000002`, …), so two
-- nodes that create the same generation at once collide on the primary key and one wins.
-- The secret key is stored as is (base64url of the 32-byte seed); wrapping it under a
-- master key is future work.
CREATE TABLE receipt_keys (
    id          TEXT PRIMARY KEY NOT NULL,
    public_key  TEXT NOT NULL,
    secret_key  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT NULL
);
