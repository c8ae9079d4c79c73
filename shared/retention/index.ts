/** Retention: how long each org's, bucket's and table's rows are kept. */
export { RetentionPolicy, type RetentionOverride, type RetentionScope } from "./policy.ts";
