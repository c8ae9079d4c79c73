/**
 * A QueryBackend for tests: records every ticket and answers each kind with an Arrow table the
 * test builds (it stands in for the querier). Also the table builders those tests need: a
 * result is built from the contract schemas the querier builds (shared/query/results.ts).
 * The production backend is services/router/flight-backend.ts.
 */
import { Field, Int32, Int64, Schema, Table, Utf8, makeVector, vectorFromArray, type DataType, type Vector } from "apache-arrow";
import type { Ticket, TicketKind } from "../../shared/query/index.ts";
import { validate, type ConfigInput } from "../../shared/config/index.ts";
import { createLogger } from "../../shared/log/index.ts";
import type { MetricsRegistry } from "../../shared/metrics/index.ts";
import { createRouterApp, type RouterHttpConfig } from "../../services/router/http/app.ts";
import { QueryBackendError, type BackendReadiness, type QueryBackend, type QueryOptions } from "../../services/router/http/backend.ts";

export type TicketHandler = (ticket: Ticket, opts: QueryOptions) => Table | Promise<Table>;

export class TestBackend implements QueryBackend {
  readonly tickets: Ticket[] = [];
  readonly options: QueryOptions[] = [];
  readiness: BackendReadiness = { ready: true, degraded: false };
  topologyValue: unknown = { instances: [], shards: [] };
  private readonly handlers = new Map<TicketKind, TicketHandler>();

  /** Answer tickets of `kind` with `handler` (a table, or a function of the ticket). */
  on(kind: TicketKind, handler: TicketHandler | Table): this {
    this.handlers.set(kind, typeof handler === "function" ? handler : () => handler);
    return this;
  }

  get lastTicket(): Ticket | undefined {
    return this.tickets.at(-1);
  }

  async query(ticket: Ticket, opts: QueryOptions): Promise<Table> {
    this.tickets.push(ticket);
    this.options.push(opts);
    const handler = this.handlers.get(ticket.kind);
    if (!handler) throw new QueryBackendError(501, `test backend has no answer for ${ticket.kind}`);
    return handler(ticket, opts);
  }

  async topology(): Promise<unknown> {
    return this.topologyValue;
  }

  ready(): BackendReadiness {
    return this.readiness;
  }

}

/** Column values by Arrow type: strings for Utf8, bigints (or numbers) for Int64, numbers for Int32. */
function vectorOf(type: DataType, values: unknown[]): Vector {
  if (type instanceof Int64) return makeVector(BigInt64Array.from(values.map((v) => BigInt(v as bigint | number | string))));
  if (type instanceof Int32) return makeVector(Int32Array.from(values.map((v) => Number(v))));
  if (type instanceof Utf8) return vectorFromArray(values.map((v) => String(v)), new Utf8());
  return vectorFromArray(values, type);
}

/** A table of `schema` from row objects; missing values take the type's zero ("" / 0). */
export function tableOfRows(schema: Schema, rows: Array<Record<string, unknown>>): Table {
  const columns: Record<string, Vector> = {};
  for (const field of schema.fields) {
    const zero = field.type instanceof Utf8 ? "" : 0;
    columns[field.name] = vectorOf(field.type, rows.map((r) => r[field.name] ?? zero));
  }
  return new Table(columns);
}

/**
 * A result as the querier answers it: `schema` is the ticket kind's contract schema
 * (shared/query/results.ts) and `columns` must name exactly its columns.
 */
export function resultOf(schema: Schema, columns: Record<string, unknown[]>): Table {
  const names = schema.fields.map((f) => f.name);
  const unknown = Object.keys(columns).filter((n) => !names.includes(n));
  const missing = names.filter((n) => !(n in columns));
  if (unknown.length || missing.length) {
    throw new Error(`resultOf: columns differ from the schema (unknown: ${unknown.join(", ") || "none"}; missing: ${missing.join(", ") || "none"})`);
  }
  const length = columns[names[0]!]!.length;
  const rows = Array.from({ length }, (_, i) => Object.fromEntries(names.map((n) => [n, columns[n]![i]])));
  return tableOfRows(schema, rows);
}

/** A table from column specs, for results that break the contract: `{ name: ["utf8", [...]] }`. */
export function tableOf(columns: Record<string, ["utf8" | "int64" | "int32", unknown[]]>): Table {
  const types = { utf8: new Utf8(), int64: new Int64(), int32: new Int32() };
  const schema = new Schema(Object.entries(columns).map(([name, [kind]]) => new Field(name, types[kind], false)));
  const length = Object.values(columns)[0]?.[1].length ?? 0;
  const rows = Array.from({ length }, (_, i) => Object.fromEntries(Object.entries(columns).map(([n, [, v]]) => [n, v[i]])));
  return tableOfRows(schema, rows);
}

export interface TestAppOptions {
  /** The role's registry (the app adds its HTTP series to it). */
  metrics?: MetricsRegistry;
  tokens?: RouterHttpConfig["auth"]["tokens"];
  queryTimeoutMs?: number;
  maxResultRows?: number;
  limits?: ConfigInput["limits"];
}

/** The router app over a fresh TestBackend, with its log lines captured. */
export function createTestApp(options: TestAppOptions = {}) {
  const backend = new TestBackend();
  const logLines: string[] = [];
  const log = createLogger({ level: "debug", format: "json", sink: (line) => logLines.push(line) });
  const app = createRouterApp({
    backend,
    log,
    metrics: options.metrics,
    config: {
      query: { timeout: options.queryTimeoutMs ?? 5_000, max_result_rows: options.maxResultRows ?? 10_000 },
      auth: { tokens: options.tokens ?? [] },
      limits: validate({ limits: options.limits }).limits,
    },
  });
  return { app, backend, logLines };
}
