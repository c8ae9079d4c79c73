/**
 * Tempo's StreamingQuerier service definition, built once from the embedded
 * proto/tempo/tempo.proto (+ OTLP's common.proto for KeyValue). Field names are camelCased
 * (`timestamp_ms` → `timestampMs`, `string_value` → `stringValue`), which makes a message
 * object read like Tempo's JSON: the HTTP answers convert to messages field for field.
 * Parsing text and handing the JSON to proto-loader keeps this working in compiled binaries.
 */
import * as grpc from "@grpc/grpc-js";
import { fromJSON } from "@grpc/proto-loader";
import protobuf from "protobufjs";
import tempoProtoText from "../../../proto/tempo/tempo.proto" with { type: "text" };
import { OTLP_PROTO_SOURCES } from "../../../shared/otlp/index.ts";

export const STREAMING_QUERIER_SERVICE = "tempopb.StreamingQuerier";

function loadServiceClient(): grpc.ServiceClientConstructor {
  const root = new protobuf.Root();
  const timestamp = protobuf.common.get("google/protobuf/timestamp.proto");
  if (!timestamp?.nested) throw new Error("protobufjs lacks google/protobuf/timestamp.proto");
  root.addJSON(timestamp.nested);
  const common = OTLP_PROTO_SOURCES["opentelemetry/proto/common/v1/common.proto"];
  if (common === undefined) throw new Error("shared/otlp lacks common.proto");
  protobuf.parse(common, root, { keepCase: false });
  protobuf.parse(tempoProtoText, root, { keepCase: false });
  const definition = fromJSON(root.toJSON(), { keepCase: false, longs: String, enums: String, oneofs: true, defaults: false });
  const service = definition[STREAMING_QUERIER_SERVICE] as grpc.ServiceDefinition;
  return grpc.makeClientConstructor(service, "StreamingQuerier");
}

/** Client constructor (tests, tools); `.service` is what the server registers. */
export const StreamingQuerierClient: grpc.ServiceClientConstructor = loadServiceClient();
