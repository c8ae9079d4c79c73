/**
 * The acceptor's BatchSink over the shared replicated write path: the error vocabulary of
 * the write path (unavailable, or a writer's refusal) becomes the acceptor's (503 / status).
 */
import { FlightError } from "../../shared/flight/index.ts";
import { WriteUnavailableError, type ReplicatedWriter } from "../../shared/writepath/index.ts";
import { SinkRejectedError, SinkUnavailableError, type BatchSink, type SinkWriteRequest } from "./sink.ts";

export class WriterSink implements BatchSink {
  constructor(private readonly writer: () => ReplicatedWriter | undefined) {}

  async write(request: SinkWriteRequest): Promise<void> {
    const writer = this.writer();
    if (!writer) throw new SinkUnavailableError("acceptor is starting");
    try {
      await writer.write(request);
    } catch (err) {
      if (err instanceof WriteUnavailableError) throw new SinkUnavailableError(err.message, err.retryAfterSeconds);
      if (err instanceof FlightError) {
        if (err.isRetryable) throw new SinkUnavailableError(err.message);
        throw new SinkRejectedError(err.code, err.message);
      }
      throw err;
    }
  }
}
