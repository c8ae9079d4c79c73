/**
 * Sends one batch to every replica of its shard in parallel and resolves once a write
 * quorum answered durable. Replicas come from the shard map (by writer name) at its epoch;
 * a writer that cannot be reached is marked suspect, a writer that refuses the epoch makes
 * the map refresh, and the batch is retried on the replicas that do not hold it yet — until
 * the deadline, after which the caller answers 503. The acceptor and the router's Flight
 * DoPut both use it.
 */
import type { RecordBatch } from "apache-arrow";
import { writeQuorum, type Config } from "../config/index.ts";
import type { Resolver } from "../discovery/index.ts";
import { FlightError, type FlightClientPool } from "../flight/index.ts";
import type { Logger } from "../log/index.ts";
import { shardOf, type ShardMapIndex } from "../sharding/index.ts";
import type { TableName } from "../tables/index.ts";
import { writerEpochOf, type WriteDescriptor } from "./descriptors.ts";
import { WriteUnavailableError } from "./errors.ts";
import { ShardMapClient } from "./shard-map-client.ts";

export interface BatchWrite {
  orgId: string;
  bucket: string;
  table: TableName;
  batchId: string;
  batch: RecordBatch;
  /** Epoch ms. */
  deadline: number;
}

const RETRY_PAUSE_MS = 50;

interface AttemptOutcome {
  refresh: boolean;
  problems: string[];
  fatal?: FlightError;
}

export class ReplicatedWriter {
  private readonly shardCount: number;
  private readonly replicationFactor: number;
  private readonly quorum: number;
  readonly maps: ShardMapClient;

  constructor(
    private readonly deps: { config: Config; resolver: Resolver; pool: FlightClientPool; log: Logger },
  ) {
    this.shardCount = deps.config.sharding.shard_count;
    this.replicationFactor = deps.config.sharding.replication_factor;
    this.quorum = Math.min(writeQuorum(deps.config), this.replicationFactor);
    this.maps = new ShardMapClient({ resolver: deps.resolver, pool: deps.pool, log: deps.log });
  }

  async write(request: BatchWrite): Promise<void> {
    const shardId = shardOf(request.orgId, request.bucket, request.table, this.shardCount);
    // Writers (by name) that hold the batch durably: a retry only goes to the others, and
    // they still count toward the quorum if the next map keeps them as replicas.
    const durableOn = new Set<string>();
    let lastProblem = "no shard map yet (no writer is live)";
    for (let attempt = 0; ; attempt++) {
      const map = attempt === 0 ? await this.maps.current() : await this.maps.refresh();
      if (map && map.replicas(shardId).length > 0 && request.deadline > Date.now()) {
        const replicas = map.replicas(shardId);
        const needed = Math.min(this.quorum, replicas.length);
        const outcome = await this.attempt(request, shardId, map, durableOn);
        if (replicas.filter((name) => durableOn.has(name)).length >= needed) return;
        if (outcome.fatal) throw outcome.fatal;
        lastProblem = outcome.problems.join("; ") || lastProblem;
        // A refusal names a newer epoch: fetch it and go again at once.
        if (outcome.refresh && attempt < 3) continue;
      }
      if (Date.now() + RETRY_PAUSE_MS >= request.deadline) break;
      this.deps.log.debug("write.retry", { batch_id: request.batchId, shard_id: shardId, attempt, problem: lastProblem });
      await Bun.sleep(RETRY_PAUSE_MS);
    }
    throw new WriteUnavailableError(`batch ${request.batchId} not durable on ${this.quorum} writer(s) in time: ${lastProblem}`);
  }

  private async attempt(request: BatchWrite, shardId: number, map: ShardMapIndex, durableOn: Set<string>): Promise<AttemptOutcome> {
    const replicas = map.replicas(shardId);
    const descriptor: WriteDescriptor = {
      kind: "write",
      org_id: request.orgId,
      bucket: request.bucket,
      table: request.table,
      batch_id: request.batchId,
      shard_id: shardId,
      epoch: map.epoch,
      replicas,
    };
    const writers = await this.maps.writers();
    const outcome: AttemptOutcome = { refresh: false, problems: [] };
    const remaining = request.deadline - Date.now();
    await Promise.all(
      replicas
        .filter((name) => !durableOn.has(name))
        .map(async (name) => {
          const writer = writers.get(name);
          if (!writer) {
            outcome.problems.push(`replica ${name} is not live`);
            return;
          }
          try {
            await this.deps.pool.get(writer.address).put(descriptor, [request.batch], { deadlineMs: remaining });
            durableOn.add(name);
          } catch (err) {
            const error = FlightError.from(err);
            outcome.problems.push(`${name}: ${error.message}`);
            if (error.isUnavailable) {
              this.deps.resolver.markSuspect(writer.id);
              this.deps.pool.drop(writer.address);
            } else if (error.codeName === "FAILED_PRECONDITION") {
              const epoch = writerEpochOf(error);
              if (epoch === undefined || epoch > map.epoch) outcome.refresh = true;
            } else if (!error.isRetryable) {
              outcome.fatal ??= error;
            }
          }
        }),
    );
    return outcome;
  }
}
