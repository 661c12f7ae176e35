-- The words the full-text index holds, read from the index itself (no storage of
-- its own). A common word's prefix ("the" for "the", "them", "there", …) is looked
-- up here and searched as those whole words, one conversation at a time: a prefix
-- search in FTS5 first merges every matching word's rows into one list, 50–100 ms
-- for "the" at 100,000 conversations, where testing the page's conversations one
-- by one for the whole words takes a few milliseconds.
CREATE VIRTUAL TABLE search_terms USING fts5vocab (search, row);
