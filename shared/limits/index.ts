export { TenantLimitsTable, type LimitName, type LimitsConfig, type TenantLimits } from "./tenant-limits.ts";
export { LimitExceededError, retryAfterSeconds } from "./errors.ts";
export { LimitHits } from "./limit-hits.ts";
export { IngestLimits, type IngestLimitsOptions } from "./ingest-limits.ts";
export { TokenBucket } from "./token-bucket.ts";
export { trackLiveShare, type LiveShare } from "./live-share.ts";
