-- Officers' amendments (catalog::amendments): rows show the amended
-- type, fields and review flag, and say which values were corrected.
-- `reviewed`: an officer corrected or confirmed the reading, so the
-- document has left the review queue whatever its confidence.
ALTER TABLE documents
    ADD COLUMN corrected text[] NOT NULL DEFAULT '{}',
    ADD COLUMN reviewed  boolean NOT NULL DEFAULT false;

-- The key of the latest amendment a record's rows apply (NULL: none):
-- `sohoa index sync` indexes a record again when the store has a later one.
ALTER TABLE indexed_records ADD COLUMN amendment text COLLATE "C";

-- The review queue: documents not yet reviewed, oldest first.
CREATE INDEX documents_review_queue ON documents (digitised_at, document_id) WHERE NOT reviewed;
