/**
 * Small OTLP/JSON requests with chosen timestamps, for tests that simulate hours of ingest
 * in seconds: every id is derived from a request number, so what was sent can be counted
 * back exactly through the query APIs.
 */
const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });

export const traceIdOf = (request: number) => `c0ffee${hex(request, 26)}`;

export function tracesRequest(request: number, spans: number, startNs: bigint, service: string) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [attr("service.name", service)] },
        scopeSpans: [
          {
            scope: { name: "shifted" },
            spans: Array.from({ length: spans }, (_, i) => ({
              traceId: traceIdOf(request),
              spanId: hex(request * 1_000 + i + 1, 16),
              parentSpanId: i === 0 ? "" : hex(request * 1_000 + 1, 16),
              name: i === 0 ? "root" : `child-${i}`,
              kind: 2,
              startTimeUnixNano: String(startNs + BigInt(i) * 1_000_000n),
              endTimeUnixNano: String(startNs + BigInt(i) * 1_000_000n + 500_000n),
              attributes: [attr("request", String(request))],
            })),
          },
        ],
      },
    ],
  };
}

export function logsRequest(request: number, records: number, timeNs: bigint, service: string) {
  return {
    resourceLogs: [
      {
        resource: { attributes: [attr("service.name", service)] },
        scopeLogs: [
          {
            scope: { name: "shifted" },
            logRecords: Array.from({ length: records }, (_, i) => ({
              timeUnixNano: String(timeNs + BigInt(i) * 1_000n),
              severityText: "INFO",
              body: { stringValue: `request ${request} line ${i}` },
            })),
          },
        ],
      },
    ],
  };
}

export function metricsRequest(request: number, points: number, timeNs: bigint, service: string) {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [attr("service.name", service)] },
        scopeMetrics: [
          {
            scope: { name: "shifted" },
            metrics: [
              {
                name: "shifted_gauge",
                gauge: {
                  dataPoints: Array.from({ length: points }, (_, i) => ({
                    timeUnixNano: String(timeNs + BigInt(i) * 1_000n),
                    asDouble: request + i / 1000,
                    attributes: [attr("point", String(i))],
                  })),
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

export async function postOtlp(acceptorHttp: string, signal: "traces" | "logs" | "metrics", body: unknown, headers: Record<string, string> = {}): Promise<void> {
  const response = await fetch(`http://${acceptorHttp}/v1/${signal}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`POST /v1/${signal}: ${response.status} ${await response.text()}`);
}
