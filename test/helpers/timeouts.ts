/**
 * Integration tests start processes, PostgreSQL databases and NATS buckets, which takes longer
 * than Bun's 5 s default on a loaded 2-core machine. Bun applies `setDefaultTimeout` to the
 * file that calls it, hooks included — a preload's call covers only the first file of a run —
 * so every test file that starts such things calls it itself with this value.
 */
export const INTEGRATION_TIMEOUT_MS = 30_000;
