/**
 * Compile-time proof that the two Drizzle schemas describe the same rows, and that those
 * rows are the logical model: `tsc` fails here the moment either schema drifts.
 * Nothing in this file runs.
 */
import type { InferInsertModel, InferSelectModel } from "drizzle-orm";
import type { DataFile, RetiredFile, ServiceInstance } from "./model.ts";
import * as pg from "./schema.pg.ts";
import * as sqlite from "./schema.sqlite.ts";

/** Exact type equality (not mere assignability): optional vs required and readonly count. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

type Same<Name extends keyof typeof pg & keyof typeof sqlite> = Equal<
  InferSelectModel<(typeof pg)[Name]>,
  InferSelectModel<(typeof sqlite)[Name]>
> extends true
  ? Equal<InferInsertModel<(typeof pg)[Name]>, InferInsertModel<(typeof sqlite)[Name]>>
  : false;

/** Flatten an intersection/mapped type so Equal compares plain object shapes. */
type Plain<T> = { [K in keyof T]: T[K] };

export type SchemaCheck = [
  // Both dialects: identical select and insert row types, table by table.
  Expect<Same<"serviceInstances">>,
  Expect<Same<"shardMapEpoch">>,
  Expect<Same<"shards">>,
  Expect<Same<"shardReplicas">>,
  Expect<Same<"dataFiles">>,
  Expect<Same<"persistedBatches">>,
  Expect<Same<"manifestScopes">>,
  Expect<Same<"retiredFiles">>,
  // And the rows are the model (a file row also keeps the generation it was recorded at).
  Expect<Equal<Plain<InferSelectModel<typeof pg.serviceInstances>>, Plain<ServiceInstance>>>,
  Expect<Equal<Plain<Omit<InferSelectModel<typeof pg.dataFiles>, "generation">>, Plain<DataFile>>>,
  Expect<Equal<Plain<InferSelectModel<typeof pg.retiredFiles>>, Plain<RetiredFile>>>,
  Expect<Equal<Plain<InferSelectModel<typeof sqlite.serviceInstances>>, Plain<ServiceInstance>>>,
  Expect<Equal<Plain<InferSelectModel<typeof sqlite.retiredFiles>>, Plain<RetiredFile>>>,
  Expect<Equal<Plain<Omit<InferSelectModel<typeof sqlite.dataFiles>, "generation">>, Plain<DataFile>>>,
];
