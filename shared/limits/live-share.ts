/**
 * How many live instances of a role share an org's ingest rate (the global strategy), kept
 * current from discovery's up/down events so the ingest path reads a number, not the catalog.
 */
import type { Resolver } from "../discovery/types.ts";

export interface LiveShare {
  /** Live instances of the role, at least 1 (this one). */
  readonly count: () => number;
  stop(): void;
}

export function trackLiveShare(resolver: Resolver, role: string, onError: (err: unknown) => void): LiveShare {
  let count = 1;
  let stopped = false;
  const recount = () =>
    resolver.live({ role }).then(
      (live) => {
        if (!stopped) count = Math.max(1, live.length);
      },
      onError,
    );
  const unsubscribe = resolver.onChange((event) => {
    if (event.instance.role === role) void recount();
  });
  void recount();
  return {
    count: () => count,
    stop() {
      stopped = true;
      unsubscribe();
    },
  };
}
