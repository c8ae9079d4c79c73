/** The acceptor in its own process, fed by the OTLP/HTTP exporter of the OpenTelemetry SDK. */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { exportOnce, expectSuccess, makeSpans } from "./helpers/acceptor-otel.ts";
import { INTEGRATION_TIMEOUT_MS } from "./helpers/timeouts.ts";

setDefaultTimeout(INTEGRATION_TIMEOUT_MS);

let child: ReturnType<typeof Bun.spawn<"ignore", "pipe", "pipe">>;
const lines: string[] = [];
let wake: (() => void) | undefined;

/** Resolves with the first stdout line matching `pattern`. */
async function lineMatching(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = lines.find((l) => pattern.test(l));
    if (found) return found;
    if (Date.now() > until) throw new Error(`no stdout line matched ${pattern}; got:\n${lines.join("\n")}`);
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, 200);
    });
  }
}

beforeAll(async () => {
  child = Bun.spawn(["bun", "test/helpers/acceptor-process.ts"], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, SIGNALBOX_LOG_LEVEL: "warn" },
  });
  (async () => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of child.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      const parts = pending.split("\n");
      pending = parts.pop()!;
      lines.push(...parts);
      wake?.();
    }
  })();
});

afterAll(async () => {
  if (child.exitCode === null) child.kill("SIGTERM");
  await child.exited;
});

test("spans exported over OTLP/HTTP reach the sink of another process", async () => {
  const [, httpAddress] = (await lineMatching(/^listening /)).split(" ");
  const spans = await makeSpans(10);
  const exporter = new OTLPTraceExporter({ url: `http://${httpAddress}/v1/traces`, headers: { "X-Signalbox-Bucket": "proc" } });
  expectSuccess(await exportOnce(exporter, spans));

  const line = await lineMatching(/^batch traces /);
  const [, table, batchId, rows, tenant] = line.split(" ");
  expect(table).toBe("traces");
  expect(batchId).toMatch(/^[0-9a-f-]{36}$/);
  expect(Number(rows)).toBe(20);
  expect(tenant).toBe("default/proc");
});

test("SIGTERM stops it cleanly", async () => {
  child.kill("SIGTERM");
  expect(await child.exited).toBe(0);
});
