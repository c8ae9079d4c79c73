/**
 * Counts rejected records by reason and renders the OTLP `partial_success.error_message`.
 */
export class Rejections {
  private readonly byReason = new Map<string, number>();
  count = 0;

  add(reason: string): void {
    this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + 1);
    this.count++;
  }

  /** e.g. "rejected 2 spans: 1 × trace_id must be 16 bytes (got 3); 1 × span_id ..." */
  message(unit: string): string | undefined {
    if (this.count === 0) return undefined;
    const parts = [...this.byReason].map(([reason, n]) => `${n} × ${reason}`);
    return `rejected ${this.count} ${unit}: ${parts.join("; ")}`;
  }
}
