// The newest migration this build's code needs (prisma/migrations/<name>). Readiness waits until the database has it,
// so a console started before its migration Job finished takes no traffic. A unit test keeps it equal to the newest
// migration directory: add the new name here with each migration.
export const SCHEMA_VERSION = "20261215110000_fleet_backup_indexes";
