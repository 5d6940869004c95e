/**
 * Convolution as im2col + packed, cache-blocked GEMM with a 4x4 register-blocked micro-kernel, in
 * plain JS. Output rows are pixels (batch * outH * outW), columns are filters, so channels-last input and
 * the Keras kernel layout [kh, kw, C/groups, filters] are already the GEMM's row-major operands.
 * Dense layers run through the same path as a 1x1 conv on a 1x1 image.
 *
 * NOTE: every function here is self-contained (no imports, no module constants): the worker pool
 * ships their source text to worker threads, so keep it that way.
 */

/** Geometry of one conv; crosses to workers by structured clone. */
export interface ConvGeom {
  H: number;
  W: number;
  /** Channels of the input buffer (all groups). */
  C: number;
  outH: number;
  outW: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  padT: number;
  padL: number;
  groups: number;
  /** Input channels per group. */
  cinG: number;
  /** Filters of the output buffer (all groups). */
  F: number;
  /** Filters per group. */
  fG: number;
  /** Fused activation: 0 linear, 1 relu, 2 leakyRelu, 3 sigmoid, 4 tanh. */
  act: number;
  alpha: number;
  hasBias: boolean;
  hasRes: boolean;
}

/** Geometry of a plain GEMM [rows, k] x [k, n]: a 1x1 conv with k channels and n filters on a 1x1 image. */
export function matmulGeom(k: number, n: number): ConvGeom {
  return {
    H: 1,
    W: 1,
    C: k,
    outH: 1,
    outW: 1,
    kh: 1,
    kw: 1,
    sh: 1,
    sw: 1,
    dh: 1,
    dw: 1,
    padT: 0,
    padL: 0,
    groups: 1,
    cinG: k,
    F: n,
    fG: n,
    act: 0,
    alpha: 0,
    hasBias: false,
    hasRes: false,
  };
}

/** Rows of the packed-A block and depth of a K block: 64x256 floats of A stay in L2, a 4x256 B panel in L1. */
export const GEMM_MC = 64;
export const GEMM_KC = 256;

/** Floats of packed weights for a conv: per group, ceil(fG/nr) panels of K x nr. */
export function packedSize(g: ConvGeom, nr: number): number {
  return g.groups * Math.ceil(g.fG / nr) * g.kh * g.kw * g.cinG * nr;
}

/**
 * Packs a kernel [kh, kw, cinG, F] (row-major [K, F] per group's columns) into panels of `nr` columns,
 * out[grp][panel][k][nr], zero-padded past fG: 4 wide for the JS micro-kernel, 8 for the wasm one.
 * `scale` (per filter, a folded batchNorm) multiplies each column on the way, so no scaled copy is made.
 */
export function packWeights(
  kernel: Float32Array,
  g: ConvGeom,
  nr: number,
  out: Float32Array,
  scale?: Float32Array,
): void {
  const K = g.kh * g.kw * g.cinG;
  const nP = Math.ceil(g.fG / nr);
  for (let grp = 0; grp < g.groups; grp++) {
    for (let p = 0; p < nP; p++) {
      const base = (grp * nP + p) * K * nr;
      for (let k = 0; k < K; k++) {
        for (let j = 0; j < nr; j++) {
          const f = p * nr + j;
          const col = grp * g.fG + f;
          out[base + k * nr + j] = f < g.fG ? kernel[k * g.F + col]! * (scale ? scale[col]! : 1) : 0;
        }
      }
    }
  }
}

/** im2col of rows [mb, mb+mLen) and K columns [k0, k0+kLen) into 4-row panels: pa[panel][k][4]. */
export function packA(
  x: Float32Array,
  xOff: number,
  g: ConvGeom,
  cBase: number,
  mb: number,
  mLen: number,
  k0: number,
  kLen: number,
  pa: Float32Array,
): void {
  const mP4 = ((mLen + 3) >> 2) * 4;
  const ohw = g.outH * g.outW;
  const cinG = g.cinG;
  const kwc = g.kw * cinG;
  const kEnd = k0 + kLen;
  for (let r = 0; r < mP4; r++) {
    const dst0 = (r >> 2) * kLen * 4 + (r & 3);
    if (r >= mLen) {
      for (let k = 0, d = dst0; k < kLen; k++, d += 4) pa[d] = 0;
      continue;
    }
    const m = mb + r;
    const b = (m / ohw) | 0;
    const rem = m - b * ohw;
    const oy = (rem / g.outW) | 0;
    const ox = rem - oy * g.outW;
    const iy0 = oy * g.sh - g.padT;
    const ix0 = ox * g.sw - g.padL;
    let k = k0;
    while (k < kEnd) {
      const ky = (k / kwc) | 0;
      const r2 = k - ky * kwc;
      const kx = (r2 / cinG) | 0;
      const c0 = r2 - kx * cinG;
      const seg = Math.min(cinG - c0, kEnd - k);
      const iy = iy0 + ky * g.dh;
      const ix = ix0 + kx * g.dw;
      let d = dst0 + (k - k0) * 4;
      if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) {
        for (let i = 0; i < seg; i++, d += 4) pa[d] = 0;
      } else {
        const s = xOff + ((b * g.H + iy) * g.W + ix) * g.C + cBase + c0;
        for (let i = 0; i < seg; i++, d += 4) pa[d] = x[s + i]!;
      }
      k += seg;
    }
  }
}

/** C[4 x 4] (+)= A-panel[kLen x 4]^T * B-panel[kLen x 4], storing only the valid mValid x nValid corner. */
export function micro4x4(
  kLen: number,
  a: Float32Array,
  ia: number,
  b: Float32Array,
  ib: number,
  y: Float32Array,
  iy: number,
  ldy: number,
  acc: boolean,
  mValid: number,
  nValid: number,
): void {
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0,
    c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0,
    c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  const end = ia + kLen * 4;
  for (; ia < end; ia += 4, ib += 4) {
    const a0 = a[ia]!,
      a1 = a[ia + 1]!,
      a2 = a[ia + 2]!,
      a3 = a[ia + 3]!;
    const b0 = b[ib]!,
      b1 = b[ib + 1]!,
      b2 = b[ib + 2]!,
      b3 = b[ib + 3]!;
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
  }
  if (mValid === 4 && nValid === 4) {
    const i1 = iy + ldy,
      i2 = i1 + ldy,
      i3 = i2 + ldy;
    if (acc) {
      y[iy]! += c00;
      y[iy + 1]! += c01;
      y[iy + 2]! += c02;
      y[iy + 3]! += c03;
      y[i1]! += c10;
      y[i1 + 1]! += c11;
      y[i1 + 2]! += c12;
      y[i1 + 3]! += c13;
      y[i2]! += c20;
      y[i2 + 1]! += c21;
      y[i2 + 2]! += c22;
      y[i2 + 3]! += c23;
      y[i3]! += c30;
      y[i3 + 1]! += c31;
      y[i3 + 2]! += c32;
      y[i3 + 3]! += c33;
    } else {
      y[iy] = c00;
      y[iy + 1] = c01;
      y[iy + 2] = c02;
      y[iy + 3] = c03;
      y[i1] = c10;
      y[i1 + 1] = c11;
      y[i1 + 2] = c12;
      y[i1 + 3] = c13;
      y[i2] = c20;
      y[i2 + 1] = c21;
      y[i2 + 2] = c22;
      y[i2 + 3] = c23;
      y[i3] = c30;
      y[i3 + 1] = c31;
      y[i3 + 2] = c32;
      y[i3 + 3] = c33;
    }
    return;
  }
  const c = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let i = 0; i < mValid; i++) {
    for (let j = 0; j < nValid; j++) {
      const at = iy + i * ldy + j;
      y[at] = (acc ? y[at]! : 0) + c[i * 4 + j]!;
    }
  }
}

/** Bias, fused residual and activation over rows [mb, mb+mLen), columns [fBase, fBase+fG). */
export function convEpilogue(
  y: Float32Array,
  yOff: number,
  bias: Float32Array,
  bOff: number,
  res: Float32Array,
  resOff: number,
  g: ConvGeom,
  fBase: number,
  mb: number,
  mLen: number,
): void {
  const act = g.act;
  const alpha = g.alpha;
  for (let r = mb; r < mb + mLen; r++) {
    const row = yOff + r * g.F + fBase;
    const rrow = resOff + r * g.F + fBase;
    for (let j = 0; j < g.fG; j++) {
      let v = y[row + j]!;
      if (g.hasBias) v += bias[bOff + fBase + j]!;
      if (g.hasRes) v += res[rrow + j]!;
      if (act === 1) v = v > 0 ? v : Math.max(v, 0);
      else if (act === 2) v = v < 0 ? alpha * v : v;
      else if (act === 3) v = 1 / (1 + Math.exp(-v));
      else if (act === 4) v = Math.tanh(v);
      y[row + j] = v;
    }
  }
}

/**
 * Conv output rows [m0, m1) (rows = batch * outH * outW pixels): blocked over rows (MC) and depth (KC),
 * then 4-column weight panels and 4-row pixel panels. `pa` is this thread's packing scratch (MC*KC).
 */
export function convRows(
  x: Float32Array,
  xOff: number,
  w: Float32Array,
  wOff: number,
  bias: Float32Array,
  bOff: number,
  res: Float32Array,
  resOff: number,
  y: Float32Array,
  yOff: number,
  g: ConvGeom,
  m0: number,
  m1: number,
  pa: Float32Array,
): void {
  const MC = 64;
  const KC = 256;
  const K = g.kh * g.kw * g.cinG;
  const nP = (g.fG + 3) >> 2;
  for (let grp = 0; grp < g.groups; grp++) {
    const wg = wOff + grp * nP * K * 4;
    const cBase = grp * g.cinG;
    const fBase = grp * g.fG;
    for (let mb = m0; mb < m1; mb += MC) {
      const mLen = Math.min(MC, m1 - mb);
      const mP = (mLen + 3) >> 2;
      for (let k0 = 0; k0 < K; k0 += KC) {
        const kLen = Math.min(KC, K - k0);
        packA(x, xOff, g, cBase, mb, mLen, k0, kLen, pa);
        for (let p = 0; p < nP; p++) {
          const nValid = Math.min(4, g.fG - p * 4);
          const ib = wg + p * K * 4 + k0 * 4;
          for (let q = 0; q < mP; q++) {
            micro4x4(
              kLen,
              pa,
              q * kLen * 4,
              w,
              ib,
              y,
              yOff + (mb + q * 4) * g.F + fBase + p * 4,
              g.F,
              k0 > 0,
              Math.min(4, mLen - q * 4),
              nValid,
            );
          }
        }
      }
      convEpilogue(y, yOff, bias, bOff, res, resOff, g, fBase, mb, mLen);
    }
  }
}

/** Source text of the functions above, for the worker pool. */
export function gemmSource(): string {
  return [packA, micro4x4, convEpilogue, convRows].map((f) => f.toString()).join("\n");
}
