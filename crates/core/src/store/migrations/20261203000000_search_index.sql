-- The search index without per-document sizes (columnsize=0). Nothing reads them: results
-- come in row-key order and are never ranked. Writing one %_docsize row per number was a
-- third of the cost of building the index.
DROP TABLE phone_numbers_search;
CREATE VIRTUAL TABLE phone_numbers_search USING fts5(
  digits, search_name,
  content = 'phone_numbers', content_rowid = 'rowid',
  tokenize = 'trigram case_sensitive 1',
  detail = 'full',
  columnsize = 0
);
INSERT INTO phone_numbers_search (phone_numbers_search) VALUES ('rebuild');

