import type { EventBus } from "../../events/bus";
import { SharedResults } from "../../events/shared-results";
import { visibilityKey, type Access } from "../../rbac/access";
import { COVERAGE_KINDS } from "../../kube/watch";

// The fleet overview is the same for every viewer who sees the same clusters: with many of them on the page, each
// change used to be computed once per viewer (their pages all refetch it at once). It is now computed once per change
// and visibility, on the process's bus (server/events/shared-results.ts).

const byBus = new WeakMap<EventBus, SharedResults>();
/** Changes the overview does not show: pods and the like (their effect comes as "coverage"), a check that found nothing new. */
const notShown = (topic: string) => topic === "checked" || COVERAGE_KINDS.includes(topic);

/** `compute()` for this viewer (`view`: which view, with its input), or the result another viewer who sees the same got since the last change. */
export function sharedOverview<T>(
  events: EventBus | undefined,
  access: Access,
  view: (string | null)[],
  compute: () => Promise<T>,
): Promise<T> {
  // Without the bus of the caller's database, changes would go unheard: computed for this caller alone.
  if (!events) return compute();
  let shared = byBus.get(events);
  if (!shared) byBus.set(events, (shared = new SharedResults(events, { ignore: notShown })));
  return shared.get(JSON.stringify([...view, visibilityKey(access)]), compute);
}
