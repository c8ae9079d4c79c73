/** Small OTLP/JSON trace payloads with fresh random ids, for tests that count every span. */
const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");

export function randomTracePayload(spans: number, service = "load"): { body: string; spanIds: string[] } {
  const spanIds = Array.from({ length: spans }, () => hex(8));
  return { body: tracePayload(spanIds, service), spanIds };
}

/** One trace of the given span ids (the first is the root), starting now. */
export function tracePayload(spanIds: string[], service = "load"): string {
  const traceId = hex(16);
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: "signalbox-test" },
            spans: spanIds.map((spanId, i) => ({
              traceId,
              spanId,
              parentSpanId: i === 0 ? "" : spanIds[0],
              name: `op-${i}`,
              kind: 2,
              startTimeUnixNano: String(now + BigInt(i)),
              endTimeUnixNano: String(now + BigInt(i) + 1_000_000n),
              attributes: [{ key: "i", value: { intValue: String(i) } }],
            })),
          },
        ],
      },
    ],
  });
}
