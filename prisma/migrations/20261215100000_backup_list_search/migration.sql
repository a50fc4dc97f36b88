-- The backups list over a large read model (#15, P4: filter + newest first + a page of 50 over 500,000 rows).
-- The name search is a substring in any case (ILIKE '%…%'): a trigram index finds the few rows that match instead of
-- walking every row in date order. pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner, or any role
-- with CREATE on the database, may create it; where the migrating role may not, a superuser can create it first.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "VeleroObject_name_trgm_idx" ON "VeleroObject" USING gin ("name" gin_trgm_ops);

-- The namespace filter matches inside the spec (includedNamespaces, excludedNamespaces). Without statistics on those
-- expressions PostgreSQL guessed that almost no row matches, and read every visible row to sort them (330 ms at
-- 500,000 rows); with them it walks the list's date order and stops at a page (22 ms).
CREATE STATISTICS "VeleroObject_includedNamespaces_stat" ON ("spec" #> '{includedNamespaces}'::text[]) FROM "VeleroObject";
CREATE STATISTICS "VeleroObject_excludedNamespaces_stat" ON ("spec" #> '{excludedNamespaces}'::text[]) FROM "VeleroObject";
ANALYZE "VeleroObject";
