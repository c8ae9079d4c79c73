/**
 * The Flight service definition, built once from the embedded Flight.proto. Parsing text
 * with protobufjs and handing the JSON to proto-loader's `fromJSON` keeps this working inside
 * `bun build --compile` binaries, where nothing can be read from the source tree.
 */
import * as grpc from "@grpc/grpc-js";
import { fromJSON } from "@grpc/proto-loader";
import protobuf from "protobufjs";
import flightProtoText from "../../proto/Flight.proto" with { type: "text" };
import { deserializeFlightData, serializeFlightData } from "./flight-data-codec.ts";

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
  const service = definition["arrow.flight.protocol.FlightService"] as grpc.ServiceDefinition;
  return grpc.makeClientConstructor(withFlightDataCodec(service), "FlightService");
}

type Codec = { serialize: (m: never) => Buffer; deserialize: (b: Buffer) => unknown };
const FLIGHT_DATA: Codec = { serialize: serializeFlightData as Codec["serialize"], deserialize: deserializeFlightData };

/** The bulk methods carry FlightData: give them the hand-written codec (flight-data-codec.ts). */
function withFlightDataCodec(service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const methods: Record<string, grpc.MethodDefinition<unknown, unknown>> = { ...service };
  const swap = (name: string, side: "request" | "response") => {
    const method = methods[name];
    if (!method) throw new Error(`Flight.proto lacks ${name}`);
    methods[name] = {
      ...method,
      ...(side === "request"
        ? { requestSerialize: FLIGHT_DATA.serialize, requestDeserialize: FLIGHT_DATA.deserialize }
        : { responseSerialize: FLIGHT_DATA.serialize, responseDeserialize: FLIGHT_DATA.deserialize }),
    } as grpc.MethodDefinition<unknown, unknown>;
  };
  swap("DoPut", "request");
  swap("DoGet", "response");
  swap("DoExchange", "request");
  swap("DoExchange", "response");
  return methods as grpc.ServiceDefinition;
}

/** Client constructor; `.service` is the server-side ServiceDefinition. */
export const FlightServiceClient: grpc.ServiceClientConstructor = loadServiceClient();
export const flightServiceDefinition: grpc.ServiceDefinition = FlightServiceClient.service;
