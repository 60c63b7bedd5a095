// Seeded, reproducible random numbers (a 32-bit splitmix-style generator; Box–Muller for normals).
// Every creation function takes its own seed, so a model file gives the same tensors on every run.

export class Rng {
  private state: number;
  private spare: number | null = null;

  constructor(seed = 0) {
    this.state = (seed >>> 0) ^ 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let z = (this.state = (this.state + 0x6d2b79f5) | 0);
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal. */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Whole number in [0, high). */
  int(high: number): number {
    return Math.floor(this.next() * high);
  }
}

// Unseeded calls draw from one shared stream, so two randn() calls differ but a run is still reproducible.
let defaultStream = new Rng(42);

export function rngFor(seed: number | undefined): Rng {
  return seed === undefined ? defaultStream : new Rng(seed);
}

/** Resets the shared stream; the runner calls it before each model so runs are repeatable. */
export function resetDefaultRng(seed = 42): void {
  defaultStream = new Rng(seed);
}
