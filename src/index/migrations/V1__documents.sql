-- The search index: one row per document, derived from the store's batch
-- records (and the OCR text they name) and rebuildable from them at any
-- time. Every *_folded column holds `fold::fold_lower` of its source,
-- computed by sohoa (never by PostgreSQL), so that indexing and querying
-- share one folding rule.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The records indexed: what `sohoa index sync` compares with the store.
CREATE TABLE indexed_records (
    record_key text COLLATE "C" PRIMARY KEY,
    case_code  text COLLATE "C" NOT NULL,
    batch_id   text COLLATE "C" NOT NULL,
    documents  integer NOT NULL,
    indexed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE documents (
    document_id      text COLLATE "C" PRIMARY KEY,
    record_key       text COLLATE "C" NOT NULL,
    case_code        text COLLATE "C" NOT NULL,
    -- The agency code (the case code's first part): what a token's unit covers.
    agency           text COLLATE "C" NOT NULL,
    batch_id         text COLLATE "C" NOT NULL,
    doc_type         text NOT NULL,
    title            text,
    confidence       real NOT NULL,
    needs_review     boolean NOT NULL,
    fields           jsonb NOT NULL,
    full_name        text,
    full_name_folded text,
    id_number        text COLLATE "C",
    date_of_birth    text COLLATE "C",
    -- Every field value, folded, one after the other.
    fields_folded    text NOT NULL,
    page_count       integer NOT NULL,
    digitised_at     timestamptz NOT NULL,
    pdf_key          text NOT NULL,
    pdf_sha256       text NOT NULL,
    text_key         text NOT NULL,
    text_sha256      text NOT NULL,
    -- The OCR text as stored (for snippets), and folded (for matching).
    body             text NOT NULL,
    body_folded      text NOT NULL,
    body_tsv         tsvector GENERATED ALWAYS AS (to_tsvector('simple', body_folded)) STORED
);

CREATE INDEX documents_record ON documents (record_key);
CREATE INDEX documents_case ON documents (case_code);
CREATE INDEX documents_id_number ON documents (id_number);
CREATE INDEX documents_birth ON documents (date_of_birth);
CREATE INDEX documents_digitised ON documents (digitised_at);
CREATE INDEX documents_type ON documents (doc_type);
CREATE INDEX documents_name_trgm ON documents USING gin (full_name_folded gin_trgm_ops);
CREATE INDEX documents_fields_trgm ON documents USING gin (fields_folded gin_trgm_ops);
CREATE INDEX documents_body ON documents USING gin (body_tsv);
