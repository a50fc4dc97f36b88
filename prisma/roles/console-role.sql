-- The console's own database role: it reads and writes its tables, and may append audit rows and read them, but not
-- change or remove one, nor alter or disable the table's append-only trigger (only the table's owner can). Run as the
-- owner of the schema (the role migrations run as) after `prisma migrate deploy`, and again after each upgrade that
-- adds tables; replace lifeboat_console with your role's name. See README, "Running under a restricted role".
GRANT USAGE ON SCHEMA public TO lifeboat_console;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO lifeboat_console;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO lifeboat_console;
REVOKE UPDATE, DELETE, TRUNCATE ON "AuditEvent" FROM lifeboat_console;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "_prisma_migrations" FROM lifeboat_console;
