// Cheap deterministic randomness: one mulberry32 stream per (seed, stream, index), so any document can
// be rebuilt on demand from its index without generating the ones before it.

function fmix32(input: number): number {
  let h = input >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit seed for one document of one stream; nearby indices give unrelated seeds. */
export function streamSeed(seed: number, stream: number, index: number): number {
  return fmix32(fmix32(fmix32(seed ^ 0x9e3779b9) ^ Math.imul(stream, 0x27d4eb2f)) + Math.imul(index, 0x165667b1));
}

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed | 0;
  }

  static for(seed: number, stream: number, index: number): Rng {
    return new Rng(streamSeed(seed, stream, index));
  }

  /** mulberry32: uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  digits(count: number): string {
    let out = '';
    for (let i = 0; i < count; i++) out += String(this.int(0, 9));
    return out;
  }
}
