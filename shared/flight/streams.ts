/** Small helpers for grpc-js object streams: backpressure-aware writes and abortable reads. */
import type { Writable } from "node:stream";

/** Writes one message; waits for 'drain' when the stream's buffer is full. */
export async function writeWithBackpressure(stream: Writable, message: unknown, signal?: AbortSignal): Promise<void> {
  if (stream.write(message)) return;
  await new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      stream.off("drain", onDrain);
      stream.off("close", onClose);
      stream.off("error", onError);
      signal?.removeEventListener("abort", onAbort);
    };
    const onDrain = () => (cleanup(), resolve());
    // A closed/errored stream never drains; its status reaches the caller another way.
    const onClose = () => (cleanup(), reject(new Error("stream closed while waiting to write")));
    const onError = (err: unknown) => (cleanup(), reject(err));
    const onAbort = () => (cleanup(), reject(signal?.reason));
    stream.on("drain", onDrain);
    stream.on("close", onClose);
    stream.on("error", onError);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Yields from `source` until it ends or `signal` aborts (then throws the abort reason), so a
 * consumer never waits on a stream whose peer has gone away.
 */
export async function* abortable<T>(source: AsyncIterator<T>, signal: AbortSignal): AsyncGenerator<T> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {}); // observed below via Promise.race; avoid an unhandled rejection
  try {
    while (true) {
      const next = await Promise.race([source.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
    // Not awaited: after an abort, `source.next()` may still be pending and a generator's
    // return() queues behind it. Its outcome no longer matters to anyone.
    source.return?.()?.catch(() => undefined);
  }
}

/** `first` followed by the rest of `rest`. */
export async function* prepend<T>(first: T, rest: AsyncIterable<T>): AsyncGenerator<T> {
  yield first;
  yield* rest;
}

/**
 * Lets timers and I/O callbacks run. A CPU-fast batch source writing into a roomy HTTP/2
 * window otherwise loops on microtasks only, and a client's cancel (or a stream error) is
 * never seen until the source runs dry.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
