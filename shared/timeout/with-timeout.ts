/**
 * Bounding how long a caller waits for work it cannot cancel (a catalog query, an S3 request,
 * a server's graceful stop). The work goes on after the caller gives up; its late failure is
 * observed here so it never surfaces as an unhandled rejection.
 */

/** `work`'s outcome, or a rejection with `onTimeout()` when it has not settled after `ms`. */
export function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  work.catch(() => {});
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** True when `work` resolved within `ms`, false past it; its failure within `ms` is thrown. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
