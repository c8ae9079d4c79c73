/** The router's HTTP query API (docs/architecture.md §3, README.md here): build the app, hand it a QueryBackend. */
export { createRouterApp } from "./app.ts";
export type { RouterAppOptions, RouterHttpConfig } from "./app.ts";
export { QueryBackendError } from "./backend.ts";
export type { BackendReadiness, QueryBackend, QueryOptions, Ticket } from "./backend.ts";
export { HttpError } from "./errors.ts";
export type { ErrorBody } from "./errors.ts";
export type { RouterEnv } from "./env.ts";
export { TEMPO_COMPATIBLE_VERSION, defaultBuildInfo } from "./tempo.ts";
export type { BuildInfo } from "./tempo.ts";
/** Bun's WebSocket handlers for the app's upgraded routes (Loki's live tail): pass to Bun.serve. */
export { websocket } from "hono/bun";
