/** Tempo tag discovery endpoints (v1 and v2) of the router's HTTP API, against a test backend. */
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { createTestApp, resultOf } from "./helpers/router-test-backend.ts";
import { tagNamesSchema, tagValuesSchema } from "../shared/query/index.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

const TAG_NAMES = resultOf(tagNamesSchema, {
  scope: ["resource", "span", "span", "intrinsic", "intrinsic", "resource"],
  name: ["service.name", "http.method", "http.status_code", "duration", "name", "k8s.pod"],
});

describe("tag discovery", () => {
  test("GET /api/search/tags → { tagNames } of resource + span tags by default", async () => {
    const { app, backend } = createTestApp();
    backend.on("tag_names", TAG_NAMES);
    const res = await app.request("/api/search/tags");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ tagNames: ["http.method", "http.status_code", "k8s.pod", "service.name"], metrics: {} });
    expect(backend.lastTicket).toEqual({ kind: "tag_names", org: "default", bucket: "default", scope: "all" });
  });

  test("GET /api/search/tags?scope=span&start&end&limit", async () => {
    const { app, backend } = createTestApp();
    backend.on("tag_names", resultOf(tagNamesSchema, { scope: ["span", "span"], name: ["b", "a"] }));
    const res = await app.request("/api/search/tags?scope=span&start=100&end=200&limit=1");
    expect(await res.json()).toEqual({ tagNames: ["a"], metrics: {} });
    expect(backend.lastTicket).toEqual({
      kind: "tag_names",
      org: "default",
      bucket: "default",
      scope: "span",
      startNs: "100000000000",
      endNs: "200000000000",
    });
  });

  test("GET /api/v2/search/tags → { scopes: [{ name, tags }] } in Tempo's scope order", async () => {
    const { app, backend } = createTestApp();
    backend.on("tag_names", TAG_NAMES);
    const res = await app.request("/api/v2/search/tags");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      scopes: [
        { name: "resource", tags: ["k8s.pod", "service.name"] },
        { name: "span", tags: ["http.method", "http.status_code"] },
        { name: "intrinsic", tags: ["duration", "name"] },
      ],
      metrics: {},
    });
  });

  test("the scope Signalbox stores nothing in answers empty without a query; unknown scopes are 400", async () => {
    const { app, backend } = createTestApp();
    backend.on("tag_names", TAG_NAMES);
    expect(await (await app.request("/api/v2/search/tags?scope=instrumentation")).json()).toEqual({ scopes: [], metrics: {} });
    expect(await (await app.request("/api/search/tags?scope=instrumentation")).json()).toEqual({ tagNames: [], metrics: {} });
    expect(backend.tickets).toHaveLength(0);
    const res = await app.request("/api/v2/search/tags?scope=galaxy");
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid parameter "scope": expected one of all, resource, span, event, link, intrinsic, instrumentation',
      status: 400,
    });
  });

  test("GET /api/search/tag/:tag/values → { tagValues: [string] }; the ticket names the tag in TraceQL form", async () => {
    const { app, backend } = createTestApp();
    backend.on("tag_values", resultOf(tagValuesSchema, { type: ["string", "string", "int"], value: ["cart", "auth", "cart"] }));
    const res = await app.request("/api/search/tag/service.name/values?start=1&end=2");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ tagValues: ["cart", "auth"], metrics: {} });
    expect(backend.lastTicket).toEqual({
      kind: "tag_values",
      org: "default",
      bucket: "default",
      tag: ".service.name",
      startNs: "1000000000",
      endNs: "2000000000",
    });
  });

  test("GET /api/v2/search/tag/:tag/values → { tagValues: [{ type, value }] }", async () => {
    const { app, backend } = createTestApp();
    backend.on("tag_values", resultOf(tagValuesSchema, { type: ["string", "string", "int"], value: ["cart", "auth", "500"] }));
    const res = await app.request(`/api/v2/search/tag/${encodeURIComponent("resource.service.name")}/values?limit=2&q=${encodeURIComponent("{")}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      tagValues: [
        { type: "string", value: "cart" },
        { type: "string", value: "auth" },
      ],
      metrics: {},
    });
    expect(backend.lastTicket).toMatchObject({ kind: "tag_values", tag: "resource.service.name" });
  });
});
