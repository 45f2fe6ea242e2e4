-- The installation's company and its portals.
CREATE TABLE company (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE portals (
    id                TEXT PRIMARY KEY NOT NULL,
    slug              TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('customer', 'partner')),
    logo_url          TEXT,
    primary_color     TEXT NOT NULL,
    background_color  TEXT NOT NULL,
    favicon_url       TEXT,
    login_image_url   TEXT,
    email_header_url  TEXT,
    custom_domain     TEXT UNIQUE,
    frame_ancestors   TEXT,
    published         BIGINT NOT NULL DEFAULT 0 CHECK (published IN (0, 1)),
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
