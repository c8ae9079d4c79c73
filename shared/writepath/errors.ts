/** No quorum of replicas answered durable before the deadline: the client should retry (503). */
export class WriteUnavailableError extends Error {
  constructor(message: string, readonly retryAfterSeconds = 1) {
    super(message);
    this.name = "WriteUnavailableError";
  }
}
