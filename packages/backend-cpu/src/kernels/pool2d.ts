import { type Pads, type PoolParams, poolStrides, poolWindow, toPair } from "@fusegraph/dsl";

export interface PoolGeom {
  H: number;
  W: number;
  C: number;
  outH: number;
  outW: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pads: Pads;
}

/** Geometry of a maxPool or avgPool over an [H,W,C] input, by the dsl's pool window rule. */
export function poolGeom(shape: readonly number[], p: PoolParams): PoolGeom {
  const [H = 0, W = 0, C = 0] = shape;
  const { outH, outW, pads } = poolWindow(shape, p);
  const [kh, kw] = toPair(p.poolSize);
  const [sh, sw] = toPair(poolStrides(p));
  const [dh, dw] = toPair(p.dilation);
  return { H, W, C, outH, outW, kh, kw, sh, sw, dh, dw, pads };
}

/**
 * Max or average pooling, channels last. Max ignores padding (a NaN tap makes the result NaN); average divides by the taps
 * inside the input, or with countIncludePad by the taps inside the declared padding.
 */
export function pool2d(
  x: Float32Array,
  y: Float32Array,
  batch: number,
  g: PoolGeom,
  mode: "max" | "avg",
  countPad: boolean,
): void {
  if (mode === "max") {
    maxPool2d(x, y, batch, g);
    return;
  }
  const { H, W, C, outH, outW, pads } = g;
  const acc = new Float64Array(C);
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        acc.fill(0);
        let count = 0;
        for (let ky = 0; ky < g.kh; ky++) {
          const iy = oy * g.sh - pads.top + ky * g.dh;
          const inPadY = iy >= -pads.top && iy < H + pads.bottom;
          for (let kx = 0; kx < g.kw; kx++) {
            const ix = ox * g.sw - pads.left + kx * g.dw;
            const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
            if (countPad ? inPadY && ix >= -pads.left && ix < W + pads.right : inside) count++;
            if (!inside) continue;
            const s = ((b * H + iy) * W + ix) * C;
            for (let c = 0; c < C; c++) acc[c]! += x[s + c]!;
          }
        }
        const d = ((b * outH + oy) * outW + ox) * C;
        for (let c = 0; c < C; c++) y[d + c] = count > 0 ? acc[c]! / count : 0;
      }
    }
  }
}

/**
 * Max pooling straight into `y`, without the average's per-tap counting. Warm, both loops take ~3 ms on
 * ResNet-50's 112x112x64 pool; cold (ResNet-50 runs its one maxPool once per inference, so it is often
 * not yet optimised) this one took 11-15 ms against 27-33 ms. A NaN tap stays, as the
 * shared loop did; taps outside the input are skipped, so padding never wins.
 */
function maxPool2d(x: Float32Array, y: Float32Array, batch: number, g: PoolGeom): void {
  const { H, W, C, outH, outW, pads, kh, kw, sh, sw, dh, dw } = g;
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const d = ((b * outH + oy) * outW + ox) * C;
        y.fill(Number.NEGATIVE_INFINITY, d, d + C);
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - pads.top + ky * dh;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - pads.left + kx * dw;
            if (ix < 0 || ix >= W) continue;
            const s = ((b * H + iy) * W + ix) * C;
            for (let c = 0; c < C; c++) {
              const v = x[s + c]!;
              if (v > y[d + c]! || Number.isNaN(v)) y[d + c] = v;
            }
          }
        }
      }
    }
  }
}
