/**
 * A Flight server in its own process for cross-process tests and the bench.
 * Prints one JSON line `{"address": "host:port", "pid": N}` on stdout once bound.
 * Env: FLIGHT_SECRET (optional cluster secret).
 *
 * DoPut descriptor `{key, batch_id?, discard?, sleepMs?, fail?: {code, message}}` stores the
 * batches under `key` (or only counts them with `discard`) and answers
 * `{batch_id, durable: true, rows, batches}`. DoGet ticket `{key, sleepMs?}` streams them back
 * (NOT_FOUND for an unknown key). DoAction: echo, fail {code, message}, boom {message},
 * sleep {ms}, pid.
 */
import { RecordBatch, Schema } from "apache-arrow";
import { createLogger } from "../../shared/log/index.ts";
import { FlightError, startFlightServer, withSchema, type CallContext } from "../../shared/flight/index.ts";

interface Stored { schema: Schema | undefined; batches: RecordBatch[] }
const store = new Map<string, Stored>();

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

type Json = Record<string, unknown>;
const asObject = (value: unknown, what: string): Json => {
  if (typeof value !== "object" || value === null) throw new FlightError("INVALID_ARGUMENT", `${what} must be a JSON object`);
  return value as Json;
};

const failWith = (spec: unknown) => {
  const { code, message } = asObject(spec, "fail");
  throw new FlightError(code as string | number, String(message));
};

const server = await startFlightServer({
  host: "127.0.0.1",
  port: 0,
  secret: process.env.FLIGHT_SECRET || undefined,
  log: createLogger({ level: "error", bindings: { role: "flight-echo" } }),
  handlers: {
    async doPut(descriptor: unknown, batches: AsyncIterable<RecordBatch>, ctx: CallContext) {
      const d = asObject(descriptor, "descriptor");
      const stored: Stored = { schema: undefined, batches: [] };
      let rows = 0;
      let count = 0;
      for await (const batch of batches) {
        stored.schema ??= batch.schema;
        rows += batch.numRows;
        count++;
        if (!d.discard) stored.batches.push(batch);
      }
      if (typeof d.sleepMs === "number") await sleep(d.sleepMs, ctx.signal);
      if (d.fail) failWith(d.fail);
      if (!d.discard) store.set(String(d.key), stored);
      return { batch_id: d.batch_id, durable: true, rows, batches: count };
    },
    async doGet(ticket: unknown, ctx: CallContext) {
      const t = asObject(ticket, "ticket");
      if (typeof t.sleepMs === "number") await sleep(t.sleepMs, ctx.signal);
      const stored = store.get(String(t.key));
      if (!stored) throw new FlightError("NOT_FOUND", `no data under key ${String(t.key)}`);
      return stored.schema ? withSchema(stored.schema, stored.batches) : stored.batches;
    },
    async doAction(type: string, body: unknown, ctx: CallContext) {
      switch (type) {
        case "echo":
          return { type, body, metadata: ctx.metadata, hasDeadline: ctx.deadline !== undefined };
        case "fail":
          return failWith(body);
        case "boom":
          throw new Error(String(asObject(body, "body").message));
        case "sleep":
          await sleep(Number(asObject(body, "body").ms), ctx.signal);
          return { slept: true };
        case "pid":
          return { pid: process.pid };
        default:
          throw new FlightError("INVALID_ARGUMENT", `unknown action ${type}`);
      }
    },
    listActions: () => [{ type: "echo", description: "returns its body" }],
  },
});

process.stdout.write(JSON.stringify({ address: server.address, pid: process.pid }) + "\n");

const stop = () => void server.close(500).then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
