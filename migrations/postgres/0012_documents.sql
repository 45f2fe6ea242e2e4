-- Documents on a deal, encrypted at rest.
--
-- A document is a titled, categorised item with an audience (who besides the company reads
-- it); each upload of its file is a version. A version's bytes live in the object store,
-- encrypted with a random data key of its own; the row keeps that key wrapped by the master
-- key (base64 of nonce + ciphertext) and the master key's id, so rotating the master key
-- re-wraps rows, one at a time and resumably, without touching the objects.

CREATE TABLE documents (
    id                  TEXT PRIMARY KEY NOT NULL,
    deal_id             TEXT NOT NULL REFERENCES deals (id),
    title               TEXT NOT NULL,
    category            TEXT NOT NULL CHECK (category IN
                            ('proposal', 'quote', 'contract', 'sow', 'technical', 'presentation', 'other')),
    audience            TEXT NOT NULL CHECK (audience IN ('internal', 'customer', 'partner', 'both')),
    current_version     BIGINT NOT NULL,
    signing_status      TEXT CHECK (signing_status IN ('draft', 'sent', 'signed', 'declined')),
    signing_changed_by  TEXT REFERENCES users (id),
    signing_changed_at  BIGINT,
    download_count      BIGINT NOT NULL DEFAULT 0,
    created_by          TEXT NOT NULL REFERENCES users (id),
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX documents_deal ON documents (deal_id, category, updated_at DESC);

CREATE TABLE document_versions (
    document_id     TEXT NOT NULL REFERENCES documents (id),
    version         BIGINT NOT NULL,
    object_key      TEXT NOT NULL UNIQUE,
    file_name       TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    wrapped_key     TEXT NOT NULL,
    master_key_id   TEXT NOT NULL,
    uploaded_by     TEXT NOT NULL REFERENCES users (id),
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (document_id, version)
);
CREATE INDEX document_versions_master_key ON document_versions (master_key_id);

CREATE TABLE document_comments (
    id           TEXT PRIMARY KEY NOT NULL,
    document_id  TEXT NOT NULL REFERENCES documents (id),
    author_id    TEXT NOT NULL REFERENCES users (id),
    body         TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX document_comments_document ON document_comments (document_id, created_at);
