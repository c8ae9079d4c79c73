/**
 * Per-record attribute limits (limits.max_attributes_per_record, limits.max_attribute_value_bytes):
 * a span, log record or data point past either is refused — not truncated — and counted in the
 * OTLP partial success with the limit's key as its reason. Refused, because a truncated value
 * no longer matches the query that looks for it, and a dropped attribute is lost without the
 * client knowing; a refusal is reported to the exporter, which logs it.
 *
 * Only the record's own attributes count (not its resource's, scope's, events' or links').
 * A value's size is its size as sent: a string's or bytes' length plus its few bytes of
 * protobuf framing, an array or map with everything in it.
 */
export class AttributeLimits {
  /** Records refused by each limit, for the caller's counters. */
  refusedByCount = 0;
  refusedByValue = 0;

  constructor(
    readonly maxCount: number,
    readonly maxValueBytes: number,
  ) {}

  /** Why a record with `count` attributes, the largest `largestValue` bytes, is refused; undefined when it is not. */
  problem(count: number, largestValue: number): string | undefined {
    if (count > this.maxCount) {
      this.refusedByCount++;
      return `more than ${this.maxCount} attributes (limits.max_attributes_per_record)`;
    }
    if (largestValue > this.maxValueBytes) {
      this.refusedByValue++;
      return `an attribute value over ${this.maxValueBytes} bytes (limits.max_attribute_value_bytes)`;
    }
    return undefined;
  }
}
