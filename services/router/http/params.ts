/**
 * zod building blocks for query parameters. Every endpoint declares one schema over its URL
 * parameters (unknown ones are ignored: Grafana sends extras); `parseParams` turns the first
 * problem into a 400 that names the parameter.
 */
import { z } from "zod";
import { badRequest } from "./errors.ts";
import { durationNs, GO_DURATION } from "../../../shared/duration/index.ts";
import { LogfmtError, parseLogfmt } from "./logfmt.ts";
import { lokiTimeToNs, unixSecondsToNs } from "./time-params.ts";

export function parseParams<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = issue.path.map(String).join(".");
  throw badRequest(name ? `invalid parameter "${name}": ${issue.message}` : issue.message);
}

/** Tempo's `start`/`end`: unix epoch seconds → ns decimal string. */
export const unixSeconds = z.string().transform((s, ctx) => {
  const ns = unixSecondsToNs(s);
  if (ns === undefined) {
    ctx.addIssue({ code: "custom", message: `expected unix epoch seconds, got "${s.slice(0, 40)}"` });
    return z.NEVER;
  }
  return ns;
});

/** Loki's `start`/`end`: ns, unix seconds (int or decimal) or RFC3339 → ns bigint. */
export const lokiTime = z.string().transform((s, ctx) => {
  const ns = lokiTimeToNs(s);
  if (ns === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `expected unix nanoseconds, unix seconds or an RFC3339 time, got "${s.slice(0, 40)}"`,
    });
    return z.NEVER;
  }
  return ns;
});

/** Go duration ("100ms", "1.5s") → ns decimal string. */
export const goDuration = z.string().transform((s, ctx) => {
  const ns = durationNs(s, GO_DURATION);
  if (ns === undefined) {
    const message = s.trim() === "" ? "empty duration" : `invalid duration "${s}": expected a Go duration such as "100ms", "1.5s" or "1h30m"`;
    ctx.addIssue({ code: "custom", message });
    return z.NEVER;
  }
  return ns.toString();
});

/** Tempo's `tags`: logfmt → map. */
export const logfmtTags = z.string().transform((s, ctx) => {
  try {
    return parseLogfmt(s);
  } catch (err) {
    if (!(err instanceof LogfmtError)) throw err;
    ctx.addIssue({ code: "custom", message: `invalid logfmt: ${err.message}` });
    return z.NEVER;
  }
});

/**
 * A whole number in [1, max]; absent, empty or "0" means `fallback` (Tempo treats a zero
 * limit as "use the default").
 */
export function countParam(fallback: number, max: number) {
  return z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === "" || s === "0") return fallback;
      if (!/^\d{1,10}$/.test(s)) {
        ctx.addIssue({ code: "custom", message: `expected a positive whole number, got "${s.slice(0, 40)}"` });
        return z.NEVER;
      }
      const n = Number(s);
      if (n > max) {
        ctx.addIssue({ code: "custom", message: `must be at most ${max}, got ${n}` });
        return z.NEVER;
      }
      return n;
    });
}

/** A present value must be non-empty. */
export const nonEmpty = (what: string) => z.string({ error: `${what} is required` }).min(1, { error: `${what} must not be empty` });

/** Refuses a start after the end (both optional ns decimal strings). */
export function checkRange(startNs: string | undefined, endNs: string | undefined): void {
  if (startNs !== undefined && endNs !== undefined && BigInt(startNs) > BigInt(endNs)) {
    throw badRequest(`invalid time range: start must not be after end`);
  }
}
