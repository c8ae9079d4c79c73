import { expect, test } from "bun:test";
import { requestBatchId } from "./batch-id.ts";

const body = new TextEncoder().encode('{"resourceSpans":[]}');

test("the same request gives the same batch id; any difference gives another", () => {
  const id = requestBatchId("acme", "default", "traces", body);
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(requestBatchId("acme", "default", "traces", body.slice())).toBe(id);
  expect(requestBatchId("globex", "default", "traces", body)).not.toBe(id);
  expect(requestBatchId("acme", "other", "traces", body)).not.toBe(id);
  expect(requestBatchId("acme", "default", "logs", body)).not.toBe(id);
  expect(requestBatchId("acme", "default", "traces", new TextEncoder().encode('{"resourceSpans":[{}]}'))).not.toBe(id);
});
