import { router } from "../trpc/init";

export const restoreRouter = router({});
