/** A 2-D pooling window geometry on NHWC data, as tfjs's computePool2DInfo gives it. */
export interface PoolGeometry {
  batch: number;
  inH: number;
  inW: number;
  channels: number;
  outH: number;
  outW: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padT: number;
  padL: number;
}

/**
 * dx of maxPool: each output's dy goes to the first maximum of its window in row-major order (tfjs-cpu's
 * rule, which also breaks ties). NOTE: tfjs-wasm 4.22's own MaxPoolGrad starts its search at 0 instead
 * of -Infinity, so windows of negative values get no gradient at all.
 */
export function maxPoolGrad(g: PoolGeometry, x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  dx.fill(0);
  const C = g.channels;
  for (let b = 0; b < g.batch; b++) {
    const xb = b * g.inH * g.inW * C;
    for (let oy = 0; oy < g.outH; oy++) {
      const y0 = oy * g.sh - g.padT;
      const yLo = Math.max(0, y0);
      const yHi = Math.min(g.inH, y0 + g.kh);
      for (let ox = 0; ox < g.outW; ox++) {
        const x0 = ox * g.sw - g.padL;
        const xLo = Math.max(0, x0);
        const xHi = Math.min(g.inW, x0 + g.kw);
        const o = ((b * g.outH + oy) * g.outW + ox) * C;
        for (let c = 0; c < C; c++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let iy = yLo; iy < yHi; iy++) {
            for (let ix = xLo; ix < xHi; ix++) {
              const i = xb + (iy * g.inW + ix) * C + c;
              const v = x[i]!;
              if (v > best || at < 0) {
                best = v;
                at = i;
              }
            }
          }
          if (at >= 0) dx[at]! += dy[o + c]!;
        }
      }
    }
  }
}

/**
 * dx of avgPool whose forward divides by the number of input pixels inside each window (padding
 * excluded, as tfjs's forward kernels do). NOTE: tfjs 4.22's AvgPoolGrad (cpu and wasm) divides by the
 * full window size instead, so its gradient is wrong along "same"-padded borders.
 */
export function avgPoolGrad(g: PoolGeometry, dy: Float32Array, dx: Float32Array): void {
  dx.fill(0);
  const C = g.channels;
  for (let b = 0; b < g.batch; b++) {
    const xb = b * g.inH * g.inW * C;
    for (let oy = 0; oy < g.outH; oy++) {
      const y0 = oy * g.sh - g.padT;
      const yLo = Math.max(0, y0);
      const yHi = Math.min(g.inH, y0 + g.kh);
      for (let ox = 0; ox < g.outW; ox++) {
        const x0 = ox * g.sw - g.padL;
        const xLo = Math.max(0, x0);
        const xHi = Math.min(g.inW, x0 + g.kw);
        const count = Math.max(0, yHi - yLo) * Math.max(0, xHi - xLo);
        if (count === 0) continue;
        const o = ((b * g.outH + oy) * g.outW + ox) * C;
        const scale = 1 / count;
        for (let iy = yLo; iy < yHi; iy++) {
          for (let ix = xLo; ix < xHi; ix++) {
            const i = xb + (iy * g.inW + ix) * C;
            for (let c = 0; c < C; c++) dx[i + c]! += dy[o + c]! * scale;
          }
        }
      }
    }
  }
}
