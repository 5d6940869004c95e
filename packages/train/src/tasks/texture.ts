import type { Rng } from "./random.js";

/**
 * Smooth random texture in [0, 1): value noise (random values on a coarse grid, smoothstep-interpolated)
 * at two octaves, cells of ~1/4 and ~1/8 of the image. Smooth, so a network cannot find the shapes by
 * "flat vs not flat", and cheap (one pass per octave).
 */
export function smoothTexture(rng: Rng, h: number, w: number): Float32Array {
  const out = new Float32Array(h * w);
  addOctave(out, rng, h, w, Math.max(2, Math.round(Math.max(h, w) / 4)), 0.65);
  addOctave(out, rng, h, w, Math.max(2, Math.round(Math.max(h, w) / 8)), 0.35);
  return out;
}

function addOctave(out: Float32Array, rng: Rng, h: number, w: number, cell: number, amp: number): void {
  const gh = Math.ceil(h / cell) + 1;
  const gw = Math.ceil(w / cell) + 1;
  const grid = new Float32Array(gh * gw);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.next();
  // Column cells and weights are the same on every row: compute them once.
  const x0s = new Int32Array(w);
  const txs = new Float32Array(w);
  for (let x = 0; x < w; x++) {
    const fx = x / cell;
    x0s[x] = Math.floor(fx);
    txs[x] = smooth(fx - x0s[x]!);
  }
  for (let y = 0; y < h; y++) {
    const fy = y / cell;
    const y0 = Math.floor(fy);
    const ty = smooth(fy - y0);
    const row = y0 * gw;
    for (let x = 0; x < w; x++) {
      const g = row + x0s[x]!;
      const tx = txs[x]!;
      const top = grid[g]! + (grid[g + 1]! - grid[g]!) * tx;
      const bot = grid[g + gw]! + (grid[g + gw + 1]! - grid[g + gw]!) * tx;
      out[y * w + x]! += amp * (top + (bot - top) * ty);
    }
  }
}

const smooth = (t: number): number => t * t * (3 - 2 * t);

/**
 * Writes a one-channel image into `x` at sample `k` as `c` channels: each channel is the image with
 * its own gain and offset plus a little pixel noise, so channels are related but not identical.
 */
export function fillChannels(
  x: Float32Array,
  k: number,
  gray: Float32Array,
  c: number,
  rng: Rng,
  noise: number,
): void {
  const hw = gray.length;
  const base = k * hw * c;
  for (let ch = 0; ch < c; ch++) {
    const gain = ch === 0 ? 1 : rng.range(0.7, 1.1);
    const offset = ch === 0 ? 0 : rng.range(-0.1, 0.1);
    for (let p = 0; p < hw; p++) {
      x[base + p * c + ch] = gain * gray[p]! + offset + noise * (rng.next() - 0.5);
    }
  }
}
