/**
 * A log-linear latency histogram in the manner of HdrHistogram: values below 2^SUB_BITS are
 * counted exactly; above, each power of two is split into 2^(SUB_BITS-1) equal buckets, so a
 * bucket's midpoint is within 1/2^SUB_BITS (0.4 %) of any value it holds. Values are integers
 * (the benches record microseconds); anything above 2^32-1 is clamped. Histograms with the same
 * layout merge by adding counts, so worker processes send theirs to the parent as sparse pairs.
 */
const SUB_BITS = 8;
const SUB_COUNT = 1 << SUB_BITS; // 256 exact values
const HALF = SUB_COUNT >> 1; // 128 buckets per power of two above
const MAX_VALUE = 2 ** 32 - 1;
const BUCKETS = SUB_COUNT + (32 - SUB_BITS) * HALF;

export type HistogramSnapshot = { count: number; min: number; max: number; sum: number; buckets: [number, number][] };

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  min = Infinity;
  max = 0;
  sum = 0;

  record(value: number): void {
    const v = Math.min(MAX_VALUE, Math.max(0, Math.round(value)));
    this.counts[indexOf(v)]!++;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** The value at quantile q (0-1): the midpoint of the bucket holding it, clamped to [min, max]. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, midpoint(i)));
    }
    return this.max;
  }

  mean(): number {
    return this.count ? this.sum / this.count : NaN;
  }

  merge(other: Histogram | HistogramSnapshot): this {
    const snap = other instanceof Histogram ? other.snapshot() : other;
    for (const [i, c] of snap.buckets) this.counts[i]! += c;
    this.count += snap.count;
    this.sum += snap.sum;
    if (snap.count) {
      this.min = Math.min(this.min, snap.min);
      this.max = Math.max(this.max, snap.max);
    }
    return this;
  }

  snapshot(): HistogramSnapshot {
    const buckets: [number, number][] = [];
    this.counts.forEach((c, i) => c && buckets.push([i, c]));
    return { count: this.count, min: this.count ? this.min : 0, max: this.max, sum: this.sum, buckets };
  }

  static from(snap: HistogramSnapshot): Histogram {
    return new Histogram().merge(snap);
  }
}

function indexOf(v: number): number {
  if (v < SUB_COUNT) return v;
  const shift = 32 - Math.clz32(v) - SUB_BITS; // ≥ 1; v >>> shift is in [HALF, SUB_COUNT)
  return SUB_COUNT + (shift - 1) * HALF + ((v >>> shift) - HALF);
}

function midpoint(i: number): number {
  if (i < SUB_COUNT) return i;
  const shift = Math.floor((i - SUB_COUNT) / HALF) + 1;
  const mantissa = ((i - SUB_COUNT) % HALF) + HALF;
  return mantissa * 2 ** shift + (2 ** shift - 1) / 2;
}
