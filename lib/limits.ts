/** How many rows the backups, restores and schedules lists return (newest first); the pages say so when they hit it. */
export const LIST_LIMIT = 500;
