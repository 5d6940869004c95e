import { type ConvGeom, type OneShotConv, PANEL } from "@fusegraph/backend-cpu/oneshot";

/**
 * A stride/padding conv2d (dilation 1, one group, NHWC, kernel [kh, kw, inC, outC]) as tfjs describes
 * it to its gradient kernels: x is [batch, inH, inW, inC], dy is [batch, outH, outW, outC].
 */
export interface ConvGradGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padT: number;
  padL: number;
}

function geom(
  g: Pick<
    ConvGeom,
    "H" | "W" | "C" | "outH" | "outW" | "kh" | "kw" | "sh" | "sw" | "dh" | "dw" | "padT" | "padL"
  >,
  filters: number,
): ConvGeom {
  return {
    ...g,
    groups: 1,
    cinG: g.C,
    F: filters,
    fG: filters,
    act: 0,
    alpha: 0,
    hasBias: false,
    hasRes: false,
  };
}

/**
 * Depth (batch * outH * outW) from which the im2col form is used: on U-Net-lite and HED-lite layer
 * shapes it was as fast or faster from 64 on (1.2-1.3x by best-of-15 at 16x16 and 32x32, noisy under
 * load), and 5-10x slower on 2x2 maps with 512 channels, where transposing its [outC, taps] result
 * outweighs the tiny GEMM.
 */
const IM2COL_MIN_DEPTH = 64;

/**
 * dW[ky, kx, c, f] = sum over b, oy, ox of x[b, oy*sh - padT + ky, ox*sw - padL + kx, c] * dy[b, oy, ox, f].
 * Writes `out` ([kh, kw, inC, outC]).
 */
export function filterGrad(
  conv: OneShotConv,
  d: ConvGradGeometry,
  x: Float32Array,
  dy: Float32Array,
  out: Float32Array,
): void {
  if (d.batch * d.outH * d.outW >= IM2COL_MIN_DEPTH) filterGradIm2col(conv, d, x, dy, out);
  else filterGradByConv(conv, d, x, dy, out);
}

/**
 * dW computed as a forward conv: x with batch and channels swapped ([inC, inH, inW, batch]) convolved by dy
 * used as a kernel ([outH, outW, batch, outC]) with dilation := stride, giving [inC, kh, kw, outC].
 */
export function filterGradByConv(
  conv: OneShotConv,
  d: ConvGradGeometry,
  x: Float32Array,
  dy: Float32Array,
  out: Float32Array,
): void {
  const B = d.batch;
  const g = geom(
    {
      H: d.inH,
      W: d.inW,
      C: B,
      outH: d.kh,
      outW: d.kw,
      kh: d.outH,
      kw: d.outW,
      sh: 1,
      sw: 1,
      dh: d.sh,
      dw: d.sw,
      padT: d.padT,
      padL: d.padL,
    },
    d.outC,
  );
  const call = conv.call(g, d.inC);
  // x [B, HW, C] -> [C, HW, B]
  const hw = d.inH * d.inW;
  const C = d.inC;
  const xt = call.x;
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < hw; p++) {
      const src = (b * hw + p) * C;
      for (let c = 0; c < C; c++) xt[(c * hw + p) * B + b] = x[src + c]!;
    }
  }
  // dy [B, ohw, F] as a kernel [ohw * B, F], packed into PANEL-wide column panels.
  const ohw = d.outH * d.outW;
  const F = d.outC;
  const K = ohw * B;
  const packed = call.packed;
  const nP = Math.ceil(F / PANEL);
  for (let pn = 0; pn < nP; pn++) {
    const f0 = pn * PANEL;
    const cols = Math.min(PANEL, F - f0);
    for (let p = 0; p < ohw; p++) {
      for (let b = 0; b < B; b++) {
        const dst = (pn * K + p * B + b) * PANEL;
        const src = (b * ohw + p) * F + f0;
        for (let j = 0; j < cols; j++) packed[dst + j] = dy[src + j]!;
        for (let j = cols; j < PANEL; j++) packed[dst + j] = 0;
      }
    }
  }
  call.run();
  // y [C, kh*kw, F] -> out [kh*kw, C, F]
  const y = call.y;
  const kk = d.kh * d.kw;
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < kk; k++) {
      out.set(y.subarray((c * kk + k) * F, (c * kk + k + 1) * F), (k * C + c) * F);
    }
  }
}

/**
 * dx = the transposed conv of dy: dy dilated by the stride (zeros between pixels) convolved at stride 1
 * with the spatially flipped kernel, in/out channels swapped, padded by (k - 1 - pad).
 * Writes `out` ([batch, inH, inW, inC]).
 */
export function inputGrad(
  conv: OneShotConv,
  d: ConvGradGeometry,
  dy: Float32Array,
  w: Float32Array,
  out: Float32Array,
): void {
  const Hd = (d.outH - 1) * d.sh + 1;
  const Wd = (d.outW - 1) * d.sw + 1;
  const F = d.outC;
  const C = d.inC;
  const g = geom(
    {
      H: Hd,
      W: Wd,
      C: F,
      outH: d.inH,
      outW: d.inW,
      kh: d.kh,
      kw: d.kw,
      sh: 1,
      sw: 1,
      dh: 1,
      dw: 1,
      padT: d.kh - 1 - d.padT,
      padL: d.kw - 1 - d.padL,
    },
    C,
  );
  const call = conv.call(g, d.batch);
  if (d.sh === 1 && d.sw === 1) {
    call.x.set(dy);
  } else {
    const xd = call.x;
    xd.fill(0);
    for (let b = 0; b < d.batch; b++) {
      for (let oy = 0; oy < d.outH; oy++) {
        for (let ox = 0; ox < d.outW; ox++) {
          const src = ((b * d.outH + oy) * d.outW + ox) * F;
          const dst = ((b * Hd + oy * d.sh) * Wd + ox * d.sw) * F;
          xd.set(dy.subarray(src, src + F), dst);
        }
      }
    }
  }
  // w'[ky', kx', f, c] = w[kh-1-ky', kw-1-kx', c, f], as a [kh*kw*F, C] GEMM operand in panels.
  const K = d.kh * d.kw * F;
  const packed = call.packed;
  const nP = Math.ceil(C / PANEL);
  for (let pn = 0; pn < nP; pn++) {
    const c0 = pn * PANEL;
    const cols = Math.min(PANEL, C - c0);
    for (let ky = 0; ky < d.kh; ky++) {
      for (let kx = 0; kx < d.kw; kx++) {
        const srcTap = ((d.kh - 1 - ky) * d.kw + (d.kw - 1 - kx)) * C * F;
        const kBase = (ky * d.kw + kx) * F;
        for (let f = 0; f < F; f++) {
          const dst = (pn * K + kBase + f) * PANEL;
          for (let j = 0; j < cols; j++) packed[dst + j] = w[srcTap + (c0 + j) * F + f]!;
          for (let j = cols; j < PANEL; j++) packed[dst + j] = 0;
        }
      }
    }
  }
  call.run();
  out.set(call.y);
}

/**
 * dW as a GEMM with the im2col of x as the packed operand: rows are the filters (dy
 * transposed to [outC, batch*outH*outW], contiguous depth), columns the kernel taps (ky, kx, c).
 */
export function filterGradIm2col(
  conv: OneShotConv,
  d: ConvGradGeometry,
  x: Float32Array,
  dy: Float32Array,
  out: Float32Array,
): void {
  const B = d.batch;
  const C = d.inC;
  const F = d.outC;
  const ohw = d.outH * d.outW;
  const K = B * ohw;
  const N = d.kh * d.kw * C;
  const g = geom(
    { H: 1, W: 1, C: K, outH: 1, outW: 1, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, padT: 0, padL: 0 },
    N,
  );
  const call = conv.call(g, F);
  // dy [K, F] -> [F, K]
  const a = call.x;
  for (let m = 0; m < K; m++) {
    const src = m * F;
    for (let f = 0; f < F; f++) a[f * K + m] = dy[src + f]!;
  }
  // im2col of x in panels: column n = (ky*kw + kx)*C + c, row m = (b, oy, ox).
  const packed = call.packed;
  packed.fill(0);
  for (let b = 0; b < B; b++) {
    for (let oy = 0; oy < d.outH; oy++) {
      for (let ox = 0; ox < d.outW; ox++) {
        const m = (b * d.outH + oy) * d.outW + ox;
        for (let ky = 0; ky < d.kh; ky++) {
          const iy = oy * d.sh - d.padT + ky;
          if (iy < 0 || iy >= d.inH) continue;
          for (let kx = 0; kx < d.kw; kx++) {
            const ix = ox * d.sw - d.padL + kx;
            if (ix < 0 || ix >= d.inW) continue;
            const src = ((b * d.inH + iy) * d.inW + ix) * C;
            const n0 = (ky * d.kw + kx) * C;
            for (let c = 0; c < C; c++) {
              const n = n0 + c;
              packed[(((n >> 3) * K + m) << 3) + (n & 7)] = x[src + c]!;
            }
          }
        }
      }
    }
  }
  call.run();
  // y [F, N] -> out [N, F]
  const y = call.y;
  for (let f = 0; f < F; f++) {
    const src = f * N;
    for (let n = 0; n < N; n++) out[n * F + f] = y[src + n]!;
  }
}
