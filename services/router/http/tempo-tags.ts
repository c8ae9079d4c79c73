/**
 * Tempo tag discovery:
 * - `GET /api/search/tags?scope=` → `{ tagNames: [...] }` (no scope: resource + span tags);
 * - `GET /api/v2/search/tags?scope=` → `{ scopes: [{ name, tags }], metrics: {} }` (no scope: all);
 * - `GET /api/search/tag/:tag/values` → `{ tagValues: ["..."], metrics: {} }`;
 * - `GET /api/v2/search/tag/:tag/values` → `{ tagValues: [{ type, value }], metrics: {} }`.
 * `start` / `end` (unix seconds) narrow the time range; `limit` caps the answer; `q` (TraceQL)
 * keeps the tags / values of matching spans only, with Tempo's leniency: a half-typed query
 * narrows by what is complete, one that does not parse narrows nothing.
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { TAG_NAME_COLUMNS, TAG_VALUE_COLUMNS } from "../../../shared/query/index.ts";
import { strings } from "./arrow-values.ts";
import type { RouterEnv } from "./env.ts";
import { badRequest } from "./errors.ts";
import { checkRange, countParam, parseParams, unixSeconds } from "./params.ts";
import { queryParams } from "./request.ts";
import type { RouteDeps } from "./route-deps.ts";
import { tenantOf } from "./tenancy.ts";

/** Scopes Signalbox stores tags for. */
const STORED_SCOPES = ["resource", "span", "event", "link", "intrinsic"] as const;
/** Scopes Tempo knows but Signalbox keeps no attributes of (instrumentation scope attributes): empty answers. */
const EMPTY_SCOPES = ["instrumentation"] as const;
const SCOPE_ORDER: readonly string[] = [...STORED_SCOPES, ...EMPTY_SCOPES];

const MAX_TAG_LENGTH = 512;

function tagParams(maxLimit: number) {
  return z.object({
    scope: z.enum(["all", ...STORED_SCOPES, ...EMPTY_SCOPES], { error: `expected one of all, ${SCOPE_ORDER.join(", ")}` }).optional(),
    start: unixSeconds.optional(),
    end: unixSeconds.optional(),
    limit: countParam(maxLimit, maxLimit),
    // TraceQL narrowing the answer to matching spans; half-typed text is normal (autocomplete).
    q: z.string().optional(),
  });
}

type TagParams = z.output<ReturnType<typeof tagParams>>;

export function registerTagRoutes(app: Hono<RouterEnv>, deps: RouteDeps): void {
  const schema = tagParams(deps.maxResultRows);

  /** Rows of (scope, name) for the requested scope, or [] for a scope we store nothing in. */
  const tagNames = async (c: Context<RouterEnv>, p: TagParams): Promise<Array<{ scope: string; name: string }>> => {
    const scope = p.scope ?? "all";
    if ((EMPTY_SCOPES as readonly string[]).includes(scope)) return [];
    const { orgId, bucket } = tenantOf(c);
    const table = await deps.run(
      { kind: "tag_names", org: orgId, bucket, startNs: p.start, endNs: p.end, scope: scope as "all" | (typeof STORED_SCOPES)[number], q: p.q },
      c.req.raw.signal,
    );
    const scopeOf = strings(table, TAG_NAME_COLUMNS.scope);
    const nameOf = strings(table, TAG_NAME_COLUMNS.name);
    const rows: Array<{ scope: string; name: string }> = [];
    for (let i = 0; i < table.numRows; i++) rows.push({ scope: scopeOf(i), name: nameOf(i) });
    return rows;
  };

  app.get("/api/search/tags", deps.guard, async (c) => {
    const p = parseParams(schema, queryParams(c));
    checkRange(p.start, p.end);
    let rows = await tagNames(c, p);
    // Tempo v1 without a scope lists attribute tags only, not intrinsics.
    if (p.scope === undefined || p.scope === "all") rows = rows.filter((r) => r.scope !== "intrinsic");
    return c.json({ tagNames: uniqueSorted(rows.map((r) => r.name)).slice(0, p.limit), metrics: {} });
  });

  app.get("/api/v2/search/tags", deps.guard, async (c) => {
    const p = parseParams(schema, queryParams(c));
    checkRange(p.start, p.end);
    const byScope = new Map<string, string[]>();
    for (const { scope, name } of await tagNames(c, p)) {
      const list = byScope.get(scope) ?? [];
      list.push(name);
      byScope.set(scope, list);
    }
    const scopes = [...byScope.entries()]
      .sort(([a], [b]) => rank(a) - rank(b))
      .map(([name, tags]) => ({ name, tags: uniqueSorted(tags).slice(0, p.limit) }));
    return c.json({ scopes, metrics: {} });
  });

  /** `tag` is a TraceQL identifier (`.service.name`, `resource.service.name`, `name` ...). */
  const tagValues = async (c: Context<RouterEnv>, tag: string) => {
    const p = parseParams(schema, queryParams(c));
    checkRange(p.start, p.end);
    const { orgId, bucket } = tenantOf(c);
    const table = await deps.run({ kind: "tag_values", org: orgId, bucket, startNs: p.start, endNs: p.end, tag, q: p.q }, c.req.raw.signal);
    const typeOf = strings(table, TAG_VALUE_COLUMNS.type);
    const valueOf = strings(table, TAG_VALUE_COLUMNS.value);
    const seen = new Set<string>();
    const values: Array<{ type: string; value: string }> = [];
    for (let i = 0; i < table.numRows && values.length < p.limit; i++) {
      const entry = { type: typeOf(i), value: valueOf(i) };
      const key = `${entry.type}\u0000${entry.value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      values.push(entry);
    }
    return values;
  };

  app.get("/api/search/tag/:tag/values", deps.guard, async (c) => {
    // v1 names are plain attribute names (any scope): the TraceQL unscoped form is `.name`.
    const values = await tagValues(c, `.${checkTag(c.req.param("tag"))}`);
    return c.json({ tagValues: [...new Set(values.map((v) => v.value))], metrics: {} });
  });

  app.get("/api/v2/search/tag/:tag/values", deps.guard, async (c) => c.json({ tagValues: await tagValues(c, checkTag(c.req.param("tag"))), metrics: {} }),
  );
}

function checkTag(raw: string | undefined): string {
  if (!raw) throw badRequest("missing tag name");
  if (raw.length > MAX_TAG_LENGTH) throw badRequest(`tag name longer than ${MAX_TAG_LENGTH} characters`);
  return raw;
}

function rank(scope: string): number {
  const i = SCOPE_ORDER.indexOf(scope);
  return i < 0 ? SCOPE_ORDER.length : i;
}

function uniqueSorted(names: string[]): string[] {
  return [...new Set(names)].sort();
}
