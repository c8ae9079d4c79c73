/**
 * The load generator: `senders` concurrent loops POSTing OTLP/HTTP protobuf bodies with
 * fetch (HTTP keep-alive), each waiting for its answer before sending the next — the way an
 * OTel SDK's BatchSpanProcessor or a collector's exporter queue behaves.
 */
import { gzipSync } from "node:zlib";

export interface LoadOptions {
  url: string;
  bodies: Uint8Array[];
  spansPerRequest: number;
  senders: number;
  seconds: number;
  /** The bodies are gzip-compressed. */
  gzip?: boolean;
}

export interface LoadResult {
  okRequests: number;
  okSpans: number;
  errorRequests: number;
  /** "status × count" of the failures, with the first body seen for each status. */
  errorSummary(): string;
}

export interface RunningLoad {
  okSpans(): number;
  errors(): number;
  done: Promise<LoadResult>;
}

/**
 * Every request must be a new export: the acceptor derives the batch id from the request,
 * so re-sending the same bytes would be stored once and measure nothing. A field unknown to
 * OTLP (number 99, 8 bytes) is appended to the protobuf body — decoders skip it — and for
 * gzip bodies it travels as a second gzip member, which decompressors read on from.
 */
const nonceCounter = new BigUint64Array(1);

function uniqueBody(body: Uint8Array, gzip: boolean): Uint8Array {
  nonceCounter[0]! += 1n;
  const field = new Uint8Array(11);
  field.set([0x9a, 0x06, 8]); // tag (99 << 3 | 2), length 8
  new DataView(field.buffer).setBigUint64(3, nonceCounter[0]! ^ BigInt(process.pid) << 32n);
  const suffix = gzip ? new Uint8Array(gzipSync(field, { level: 1 })) : field;
  const out = new Uint8Array(body.length + suffix.length);
  out.set(body);
  out.set(suffix, body.length);
  return out;
}

export function startLoad(opts: LoadOptions): RunningLoad {
  let okRequests = 0;
  let errorRequests = 0;
  const failures = new Map<string, { count: number; sample: string }>();
  const headers: Record<string, string> = { "content-type": "application/x-protobuf" };
  if (opts.gzip) headers["content-encoding"] = "gzip";
  const endAt = performance.now() + opts.seconds * 1000;

  const fail = (key: string, sample: string) => {
    errorRequests++;
    const seen = failures.get(key);
    if (seen) seen.count++;
    else failures.set(key, { count: 1, sample: sample.slice(0, 200) });
  };

  const sender = async (id: number) => {
    for (let n = id; performance.now() < endAt; n += opts.senders) {
      try {
        const response = await fetch(opts.url, { method: "POST", headers, body: uniqueBody(opts.bodies[n % opts.bodies.length]!, opts.gzip === true) });
        const answer = await response.arrayBuffer();
        if (response.status === 200) okRequests++;
        else fail(`HTTP ${response.status}`, new TextDecoder().decode(answer));
      } catch (err) {
        fail((err as Error).name, (err as Error).message);
        await Bun.sleep(50); // a refused connection must not spin
      }
    }
  };

  const done = Promise.all(Array.from({ length: opts.senders }, (_, id) => sender(id))).then(
    (): LoadResult => ({
      okRequests,
      okSpans: okRequests * opts.spansPerRequest,
      errorRequests,
      errorSummary: () => [...failures].map(([key, f]) => `${key} × ${f.count} (${f.sample})`).join("; "),
    }),
  );
  return { okSpans: () => okRequests * opts.spansPerRequest, errors: () => errorRequests, done };
}

export function sendLoad(opts: LoadOptions): Promise<LoadResult> {
  return startLoad(opts).done;
}
