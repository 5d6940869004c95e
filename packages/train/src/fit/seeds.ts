import { createRng } from "@fusegraph/dsl";

/** The independent random streams one training seed fans out to. */
export const Stream = { train: 1, heldOut: 2, shuffle: 3 } as const;

/** murmur3's finaliser: nearby inputs give unrelated 32-bit outputs. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The seed of stream `stream` (and sub-stream `index`, e.g. the epoch) of a training seed, so the
 * training set, held-out set and each epoch's shuffle never share random numbers.
 */
export function streamSeed(seed: number, stream: number, index = 0): number {
  const lo = Math.trunc(seed) | 0;
  const hi = Math.trunc(seed / 0x100000000) | 0;
  return mix32(mix32(mix32(lo ^ mix32(hi + 0x632be5ab)) + Math.imul(stream, 0x9e3779b9)) ^ mix32(index + 1));
}

/** A seeded Fisher–Yates permutation of 0..n-1. */
export function permutation(n: number, seed: number): Uint32Array {
  const rng = createRng(seed);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}
