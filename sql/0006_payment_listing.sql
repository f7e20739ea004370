-- Listing payments newest first, page by page: a backward scan of this index, from the cursor.
CREATE INDEX payments_created ON payments (created_at, id);
