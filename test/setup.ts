/**
 * Preloaded before every test file (bunfig.toml): integration tests start real processes,
 * PostgreSQL databases and NATS buckets, which takes longer than Bun's 5 s default on a
 * loaded 2-core machine. Tests that need more still say so themselves.
 */
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(30_000);
