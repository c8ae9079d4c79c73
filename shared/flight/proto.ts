/**
 * The Flight service definition, built once from the embedded Flight.proto. Parsing text
 * with protobufjs and handing the JSON to proto-loader's `fromJSON` keeps this working inside
 * `bun build --compile` binaries, where nothing can be read from the source tree.
 */
import * as grpc from "@grpc/grpc-js";
import { fromJSON } from "@grpc/proto-loader";
import protobuf from "protobufjs";
import flightProtoText from "../../proto/Flight.proto" with { type: "text" };

/** Wire shapes as proto-loader presents them (keepCase, enums as strings, bytes as Buffer). */
export interface FlightDescriptorMessage {
  type?: "UNKNOWN" | "PATH" | "CMD";
  cmd?: Uint8Array;
  path?: string[];
}
export interface FlightDataMessage {
  flight_descriptor?: FlightDescriptorMessage | null;
  data_header?: Uint8Array;
  app_metadata?: Uint8Array;
  data_body?: Uint8Array;
}
export interface TicketMessage { ticket?: Uint8Array }
export interface ActionMessage { type?: string; body?: Uint8Array }
export interface ResultMessage { body?: Uint8Array }
export interface PutResultMessage { app_metadata?: Uint8Array }
export interface ActionTypeMessage { type: string; description: string }
export interface HandshakeMessage { protocol_version?: string; payload?: Uint8Array }

function loadServiceClient(): grpc.ServiceClientConstructor {
  const root = new protobuf.Root();
  // Flight.proto imports google/protobuf/timestamp.proto; protobufjs ships it as JSON.
  const timestamp = protobuf.common.get("google/protobuf/timestamp.proto");
  if (!timestamp?.nested) throw new Error("protobufjs lacks google/protobuf/timestamp.proto");
  root.addJSON(timestamp.nested);
  protobuf.parse(flightProtoText, root, { keepCase: true });
  const definition = fromJSON(root.toJSON(), {
    keepCase: true,
    longs: String,
    enums: String,
    oneofs: true,
    defaults: false,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    arrow: { flight: { protocol: { FlightService: grpc.ServiceClientConstructor } } };
  };
  return loaded.arrow.flight.protocol.FlightService;
}

/** Client constructor; `.service` is the server-side ServiceDefinition. */
export const FlightServiceClient: grpc.ServiceClientConstructor = loadServiceClient();
export const flightServiceDefinition: grpc.ServiceDefinition = FlightServiceClient.service;
