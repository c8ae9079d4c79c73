/**
 * Sends one batch to every replica of its shard in parallel and resolves once a write
 * quorum answered durable. Replicas come from rendezvous hashing over the live writers the
 * Resolver reports; a replica that cannot be reached is marked suspect and the topology is
 * asked again, until the deadline. The acceptor and the router's Flight DoPut both use it.
 */
import type { RecordBatch } from "apache-arrow";
import { writeQuorum, type Config } from "../config/index.ts";
import type { Resolver } from "../discovery/index.ts";
import { FlightError, type FlightClientPool } from "../flight/index.ts";
import type { Logger } from "../log/index.ts";
import { replicasOf, shardOf } from "../sharding/index.ts";
import type { TableName } from "../signals/tables.ts";
import type { WriteDescriptor } from "./descriptors.ts";
import { WriteUnavailableError } from "./errors.ts";

export interface BatchWrite {
  orgId: string;
  bucket: string;
  table: TableName;
  batchId: string;
  batch: RecordBatch;
  /** Epoch ms. */
  deadline: number;
}

const RETRY_PAUSE_MS = 100;

export class ReplicatedWriter {
  private readonly shardCount: number;
  private readonly replicationFactor: number;
  private readonly quorum: number;

  constructor(
    private readonly deps: { config: Config; resolver: Resolver; pool: FlightClientPool; log: Logger },
  ) {
    this.shardCount = deps.config.sharding.shard_count;
    this.replicationFactor = deps.config.sharding.replication_factor;
    this.quorum = Math.min(writeQuorum(deps.config), this.replicationFactor);
  }

  async write(request: BatchWrite): Promise<void> {
    const shardId = shardOf(request.orgId, request.bucket, request.table, this.shardCount);
    const descriptor: WriteDescriptor = {
      kind: "write",
      org_id: request.orgId,
      bucket: request.bucket,
      table: request.table,
      batch_id: request.batchId,
      shard_id: shardId,
    };
    // Replicas that already hold the batch durably: a retry only goes to the others.
    const durableOn = new Set<string>();
    let lastProblem = "no writer is live";
    for (let attempt = 0; ; attempt++) {
      const writers = await this.deps.resolver.live({ role: "writer" });
      const byId = new Map(writers.map((w) => [w.id, w]));
      const replicas = replicasOf(shardId, [...byId.keys()], this.replicationFactor);
      const needed = Math.min(this.quorum, Math.max(replicas.length, 1));
      const pending = replicas.filter((id) => !durableOn.has(id));
      const remaining = request.deadline - Date.now();
      if (replicas.length > 0 && remaining > 0) {
        const results = await Promise.allSettled(
          pending.map(async (id) => {
            const writer = byId.get(id)!;
            try {
              await this.deps.pool.get(writer.address).put(descriptor, [request.batch], { deadlineMs: remaining });
              durableOn.add(id);
            } catch (err) {
              const error = FlightError.from(err);
              if (error.isUnavailable) {
                this.deps.resolver.markSuspect(id);
                this.deps.pool.drop(writer.address);
              }
              throw error;
            }
          }),
        );
        const durable = replicas.filter((id) => durableOn.has(id)).length;
        if (durable >= needed) return;
        const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        lastProblem = failures.map((f) => (f.reason as Error).message).join("; ") || lastProblem;
        const fatal = failures.map((f) => f.reason as FlightError).find((e) => !e.isRetryable && e.codeName !== "FAILED_PRECONDITION");
        if (fatal) throw fatal;
      }
      if (Date.now() + RETRY_PAUSE_MS >= request.deadline) break;
      this.deps.log.debug("write.retry", { batch_id: request.batchId, shard_id: shardId, attempt, problem: lastProblem });
      await Bun.sleep(RETRY_PAUSE_MS);
    }
    throw new WriteUnavailableError(`batch ${request.batchId} not durable on ${this.quorum} writer(s) in time: ${lastProblem}`);
  }
}
