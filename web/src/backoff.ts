/** Delays for reconnecting: doubling from `first` to `max`, with jitter so tabs do not retry in step. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly first = 500, private readonly max = 15_000) {}

  next(): number {
    const delay = Math.min(this.max, this.first * 2 ** this.attempt);
    this.attempt++;
    return Math.round(delay * (0.8 + Math.random() * 0.4));
  }

  reset(): void {
    this.attempt = 0;
  }
}
