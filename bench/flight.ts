/**
 * DoPut throughput over loopback to a Flight server in another process.
 *   bun bench/flight.ts [seconds=10] [batchesPerPut=1] [concurrency=1]
 * Each batch: 8,192 rows of the traces schema (deterministic values, ~0.5 KiB/row).
 * The server (test/helpers/flight-echo-server.ts) decodes every batch and discards it.
 * Prints a progress line per second and a final `result` line.
 */
import { FlightClient } from "../shared/flight/index.ts";
import { tracesSchema } from "../shared/tables/index.ts";
import { makeBatch } from "../test/helpers/flight-batches.ts";
import { spawnFlightEchoServer } from "../test/helpers/flight-process.ts";

const seconds = Number(process.argv[2] ?? 10);
const batchesPerPut = Number(process.argv[3] ?? 1);
const concurrency = Number(process.argv[4] ?? 1);
const ROWS = 8192;

const batches = Array.from({ length: 4 }, (_, i) => makeBatch(tracesSchema, ROWS, i));
const batchBytes = batches[0].data.children.reduce(
  (n, c) => n + (c.values?.byteLength ?? 0) + (c.valueOffsets?.byteLength ?? 0) + (c.nullBitmap?.byteLength ?? 0),
  0,
);

const server = await spawnFlightEchoServer();
const client = new FlightClient(server.address);
let rows = 0;
let puts = 0;

try {
  // Warm-up: JIT and HTTP/2 window growth, not measured.
  for (let i = 0; i < 5; i++) await client.put({ key: "warmup", discard: true }, batches.slice(0, 1));

  const started = performance.now();
  const endAt = started + seconds * 1000;
  let lastReport = started;
  let lastRows = 0;
  const worker = async (id: number) => {
    for (let n = 0; performance.now() < endAt; n++) {
      const payload = Array.from({ length: batchesPerPut }, (_, i) => batches[(n + i + id) % batches.length]);
      await client.put({ key: "bench", discard: true, batch_id: `${id}-${n}` }, payload);
      rows += ROWS * batchesPerPut;
      puts++;
      const now = performance.now();
      if (now - lastReport >= 1000) {
        const rate = ((rows - lastRows) * 1000) / (now - lastReport);
        console.log(`progress t=${((now - started) / 1000).toFixed(1)}s rows=${rows} rows/s=${Math.round(rate)}`);
        lastReport = now;
        lastRows = rows;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, id) => worker(id)));
  const elapsed = (performance.now() - started) / 1000;
  const rowsPerSec = rows / elapsed;
  const mibPerSec = (rowsPerSec * (batchBytes / ROWS)) / (1024 * 1024);
  console.log(
    `result DoPut traces batch=${ROWS} rows, ${(batchBytes / 1024 / 1024).toFixed(2)} MiB/batch, batchesPerPut=${batchesPerPut}, ` +
      `concurrency=${concurrency}: ${Math.round(rowsPerSec)} rows/s, ${mibPerSec.toFixed(1)} MiB/s ` +
      `(${rows} rows, ${puts} puts in ${elapsed.toFixed(1)} s)`,
  );
} finally {
  client.close();
  await server.stop();
}
