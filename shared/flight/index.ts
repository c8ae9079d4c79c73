/** Arrow Flight transport between Signalbox roles (docs/architecture.md §3). */
export { startFlightServer } from "./server.ts";
export type { FlightServer, FlightServerOptions } from "./server.ts";
export { withSchema } from "./handlers.ts";
export type { ActionType, BatchSource, FlightHandlers } from "./handlers.ts";
export type { CallContext } from "./call-context.ts";
export { FlightClient, DEFAULT_DEADLINE_MS } from "./client.ts";
export type { FlightCallOptions, FlightClientOptions } from "./client.ts";
export { FlightClientPool } from "./pool.ts";
export { FlightError, statusCode, statusName } from "./errors.ts";
export type { GrpcStatusName } from "./errors.ts";
export { grpcToHttpStatus } from "./status.ts";
export { FlightDataEncoder, decodeFlightData, schemaFlightData, sameSchemaShape } from "./ipc.ts";
export type { DecodedFlightStream, IpcFlightData } from "./ipc.ts";
export { SECRET_METADATA_KEY } from "./secret.ts";
export { DEFAULT_MAX_MESSAGE_BYTES } from "./options.ts";
export { receivedIpcOf } from "./ipc-decode.ts";
export { retainedBytes } from "./retained-bytes.ts";
export type { IpcMessageBytes, ReceivedIpc } from "./ipc-decode.ts";
