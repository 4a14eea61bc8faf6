/**
 * Per-endpoint request rate (`rateLimit`, requests per second) as a token
 * bucket with a one-second burst. In memory, per worker process: with several
 * workers each enforces the limit on its own share, which is the usual
 * compromise (Svix documents the same).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes a token for the endpoint; returns 0 to go now, or the ms to wait. */
  take(endpointId: string, perSecond: number | null, nowMs: number): number {
    if (perSecond === null || perSecond <= 0) return 0;
    const bucket = this.buckets.get(endpointId) ?? { tokens: perSecond, at: nowMs };
    bucket.tokens = Math.min(perSecond, bucket.tokens + ((nowMs - bucket.at) / 1000) * perSecond);
    bucket.at = nowMs;
    this.buckets.set(endpointId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / perSecond) * 1000);
  }
}
