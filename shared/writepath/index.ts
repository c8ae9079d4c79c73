export { writeDescriptor, writeAck, liveTicket } from "./descriptors.ts";
export type { WriteDescriptor, WriteAck, LiveTicket } from "./descriptors.ts";
export { WriteUnavailableError } from "./errors.ts";
export { ReplicatedWriter } from "./replicated-writer.ts";
export type { BatchWrite } from "./replicated-writer.ts";
