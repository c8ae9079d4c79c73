/**
 * Child process for the WAL durability test: appends batches forever with `concurrency`
 * appends in flight and prints `ack <batchId>` only AFTER append() resolved (= the batch
 * was acknowledged as durable). Every so often it releases old acknowledged batches and
 * prints `rel <ids...>` just before calling release(). The parent kill -9s it at random moments.
 *
 * usage: bun test/helpers/wal-appender.ts <dir> <batchIdPrefix> [concurrency] [segmentBytes]
 */
import { createLogger } from "../../shared/log/index.ts";
import { WriteAheadLog } from "../../services/writer/wal/index.ts";
import { makeSpanBatch } from "./wal-batches.ts";

const [dir, prefix, concurrencyArg, segmentArg] = process.argv.slice(2);
if (!dir || !prefix) {
  console.error("usage: wal-appender.ts <dir> <batchIdPrefix> [concurrency] [segmentBytes]");
  process.exit(2);
}
const concurrency = Number(concurrencyArg ?? 8);
const log = createLogger({ level: "warn", bindings: { role: "wal-appender" } });
const wal = await WriteAheadLog.open(dir, { log, segmentBytes: Number(segmentArg ?? 256 * 1024) });
const template = makeSpanBatch({ batchId: prefix, rows: 10, seed: prefix.length + 1 });
const say = (line: string) => process.stdout.write(line + "\n");
say("ready");

let next = 0;
const acked: string[] = [];

async function worker(): Promise<never> {
  for (;;) {
    const batchId = `${prefix}-${next++}`;
    await wal.append({ batchId, orgId: "o", bucket: "b", table: "traces", shardId: 1, batch: template });
    say(`ack ${batchId}`);
    acked.push(batchId);
    if (acked.length >= 40) {
      const ids = acked.splice(0, 20);
      // Announced BEFORE the call: from the moment release() is called the log may drop
      // these batches (the caller states they are persisted elsewhere).
      say(`rel ${ids.join(" ")}`);
      await wal.release(ids);
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, worker));
