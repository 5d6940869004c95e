/** Seeded randomness for the task generators: no Math.random anywhere, so a seed fixes every byte. */

/** A uniform [0, 1) source (sfc32: fast, 128-bit state, good enough for synthetic data). */
export interface Rng {
  next(): number;
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
}

/** 32-bit mix (murmur3's finaliser), so nearby seeds give unrelated states. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The generator of sample `index` in the stream `seed` of task `salt`. Each sample gets its own state,
 * so sample k does not depend on how many samples are drawn (a prefix of a set is a smaller set).
 */
export function sampleRng(salt: number, seed: number, index: number): Rng {
  const s = Math.trunc(seed) | 0;
  const hi = Math.trunc(seed / 0x100000000) | 0;
  let a = mix32(salt ^ 0x9e3779b9);
  let b = mix32(s ^ mix32(hi + 0x632be5ab));
  let c = mix32(index ^ 0x85ebca77);
  let d = mix32(a ^ b ^ c ^ 0x27d4eb2f);
  const next = (): number => {
    // sfc32
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return {
    next,
    int: (lo, hi2) => lo + Math.floor(next() * (hi2 - lo + 1)),
    range: (lo, hi2) => lo + next() * (hi2 - lo),
    normal: () => {
      const u = 1 - next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
}
