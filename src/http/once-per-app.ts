/** What ran, per app: keyed by an object each app has exactly one of (its `ModulesContainer`, its `DiscoveryService`). */
const ran = new WeakMap<object, Set<string>>();

/**
 * Whether `what` has not run yet in the app `app` belongs to, marking it run.
 * Start-up checks of the whole app are provided once per connection module;
 * this keeps them to one run, whichever connection's provider comes first.
 */
export function firstInApp(app: object, what: string): boolean {
  let done = ran.get(app);
  if (!done) ran.set(app, (done = new Set()));
  if (done.has(what)) return false;
  done.add(what);
  return true;
}
