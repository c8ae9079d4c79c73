/**
 * A token bucket of bytes: it holds up to `burst` tokens and refills at `rate` per second.
 * A request takes as many tokens as it has bytes, or is told how long until it could.
 */
export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number } | { ok: false; neverFits: true };

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private refillRate: number,
    readonly burst: number,
    now: number = performance.now(),
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  get rate(): number {
    return this.refillRate;
  }

  /** True when an idle bucket has refilled completely: forgetting it changes nothing. */
  isFull(now: number = performance.now()): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  /** Changes the refill rate (the global strategy's share moved); tokens already held stay. */
  setRate(rate: number, now: number = performance.now()): void {
    this.refill(now);
    this.refillRate = rate;
  }

  take(amount: number, now: number = performance.now()): TakeResult {
    if (amount > this.burst) return { ok: false, neverFits: true };
    this.refill(now);
    if (this.tokens >= amount) {
      this.tokens -= amount;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((amount - this.tokens) / this.refillRate) * 1000) };
  }

  /** Returns tokens taken for work that did not happen; never past the burst. */
  give(amount: number, now: number = performance.now()): void {
    this.refill(now);
    this.tokens = Math.min(this.burst, this.tokens + amount);
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.refillRate);
    this.updatedAt = now;
  }
}
