-- Why the machine chose a document's type (the record's `reason`), so the
-- review queue can show it beside the type and confidence without reading
-- the store. Rows written before this show none until the index is
-- rebuilt (`sohoa index rebuild`) or their record is indexed again.
ALTER TABLE documents ADD COLUMN reason text NOT NULL DEFAULT '';
