// Convolution as im2col + packed GEMM with a 4x8 f32x4 register-blocked micro-kernel (WebAssembly SIMD).
// Output rows are pixels (batch * outH * outW), columns are filters, as in src/gemm.ts. Every pointer is a
// byte offset into the shared memory that the host owns: the host packs weights into 8-column panels
// (w[grp][panel][k][8], zero-padded past fG) and hands each thread its own packing scratch `pa`.
//
// Build (see scripts/build-wasm.mjs): asc -O3 --runtime stub --noAssert --importMemory --sharedMemory
// --maximumMemory 16384 --enable simd --enable threads.

/** Rows of the packed-A block and depth of a K block: 128x256 floats of A in L2, a 256x8 B panel in L1. */
export const MC: i32 = 128;
export const KC: i32 = 256;

/** Floats of packing scratch one thread needs. */
export function scratchFloats(): i32 {
  return MC * KC;
}

// Geometry of the current call, set by convRows (globals are per instance, so per thread).
let gH: i32 = 0;
let gW: i32 = 0;
let gC: i32 = 0;
let gOutH: i32 = 0;
let gOutW: i32 = 0;
let gKw: i32 = 0;
let gSh: i32 = 0;
let gSw: i32 = 0;
let gDh: i32 = 0;
let gDw: i32 = 0;
let gPadT: i32 = 0;
let gPadL: i32 = 0;
let gCinG: i32 = 0;

/** im2col of rows [mb, mb+mLen) and K columns [k0, k0+kLen) into 4-row panels: pa[panel][k][4]. */
function packA(x: usize, cBase: i32, mb: i32, mLen: i32, k0: i32, kLen: i32, pa: usize): void {
  const mP4 = ((mLen + 3) >> 2) << 2;
  const ohw = gOutH * gOutW;
  const cinG = gCinG;
  const kwc = gKw * cinG;
  const kEnd = k0 + kLen;
  for (let r = 0; r < mP4; r++) {
    const dst0 = pa + ((<usize>((r >> 2) * kLen * 4 + (r & 3))) << 2);
    if (r >= mLen) {
      let d = dst0;
      for (let k = 0; k < kLen; k++, d += 16) store<f32>(d, 0);
      continue;
    }
    const m = mb + r;
    const b = m / ohw;
    const rem = m - b * ohw;
    const oy = rem / gOutW;
    const ox = rem - oy * gOutW;
    const iy0 = oy * gSh - gPadT;
    const ix0 = ox * gSw - gPadL;
    let k = k0;
    while (k < kEnd) {
      const ky = k / kwc;
      const r2 = k - ky * kwc;
      const kx = r2 / cinG;
      const c0 = r2 - kx * cinG;
      const seg = min(cinG - c0, kEnd - k);
      const iy = iy0 + ky * gDh;
      const ix = ix0 + kx * gDw;
      let d = dst0 + ((<usize>(k - k0)) << 4);
      if (iy < 0 || iy >= gH || ix < 0 || ix >= gW) {
        for (let i = 0; i < seg; i++, d += 16) store<f32>(d, 0);
      } else {
        let s = x + ((<usize>(((b * gH + iy) * gW + ix) * gC + cBase + c0)) << 2);
        let i = 0;
        for (; i + 4 <= seg; i += 4, s += 16, d += 64) {
          const v = v128.load(s);
          store<f32>(d, f32x4.extract_lane(v, 0));
          store<f32>(d, f32x4.extract_lane(v, 1), 16);
          store<f32>(d, f32x4.extract_lane(v, 2), 32);
          store<f32>(d, f32x4.extract_lane(v, 3), 48);
        }
        for (; i < seg; i++, s += 4, d += 16) store<f32>(d, load<f32>(s));
      }
      k += seg;
    }
  }
}

/**
 * C[4 x 8] (+)= A-panel[kLen x 4]^T * B-panel[kLen x 8]. A full tile is stored straight into y (row
 * stride ldy bytes); an edge tile goes through `tmp` and only its mValid x nValid corner is written.
 */
function micro4x8(
  kLen: i32,
  a: usize,
  b: usize,
  y: usize,
  ldy: usize,
  acc: bool,
  mValid: i32,
  nValid: i32,
  tmp: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  const end = a + ((<usize>kLen) << 4);
  for (; a < end; a += 16, b += 32) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = f32x4.add(c00, f32x4.mul(av, b0));
    c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 4);
    c10 = f32x4.add(c10, f32x4.mul(av, b0));
    c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 8);
    c20 = f32x4.add(c20, f32x4.mul(av, b0));
    c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(a, 12);
    c30 = f32x4.add(c30, f32x4.mul(av, b0));
    c31 = f32x4.add(c31, f32x4.mul(av, b1));
  }
  const full = mValid === 4 && nValid === 8;
  let o = full ? y : tmp;
  const ld: usize = full ? ldy : 32;
  if (full && acc) {
    v128.store(o, f32x4.add(v128.load(o), c00));
    v128.store(o, f32x4.add(v128.load(o, 16), c01), 16);
    o += ld;
    v128.store(o, f32x4.add(v128.load(o), c10));
    v128.store(o, f32x4.add(v128.load(o, 16), c11), 16);
    o += ld;
    v128.store(o, f32x4.add(v128.load(o), c20));
    v128.store(o, f32x4.add(v128.load(o, 16), c21), 16);
    o += ld;
    v128.store(o, f32x4.add(v128.load(o), c30));
    v128.store(o, f32x4.add(v128.load(o, 16), c31), 16);
    return;
  }
  v128.store(o, c00);
  v128.store(o, c01, 16);
  o += ld;
  v128.store(o, c10);
  v128.store(o, c11, 16);
  o += ld;
  v128.store(o, c20);
  v128.store(o, c21, 16);
  o += ld;
  v128.store(o, c30);
  v128.store(o, c31, 16);
  if (full) return;
  for (let i = 0; i < mValid; i++) {
    for (let j = 0; j < nValid; j++) {
      const at = y + <usize>i * ldy + ((<usize>j) << 2);
      const v = load<f32>(tmp + ((<usize>(i * 8 + j)) << 2));
      store<f32>(at, acc ? load<f32>(at) + v : v);
    }
  }
}

/** Bias, fused residual and activation (0 linear, 1 relu, 2 leakyRelu, 3 sigmoid, 4 tanh) on columns [fBase, fBase+cols). */
function epilogue(
  y: usize,
  bias: usize,
  res: usize,
  F: i32,
  fBase: i32,
  cols: i32,
  mb: i32,
  mLen: i32,
  act: i32,
  alpha: f32,
  hasBias: bool,
  hasRes: bool,
): void {
  const zero = f32x4.splat(0);
  const al = f32x4.splat(alpha);
  for (let r = mb; r < mb + mLen; r++) {
    const row = y + ((<usize>(r * F + fBase)) << 2);
    const rrow = res + ((<usize>(r * F + fBase)) << 2);
    const bb = bias + ((<usize>fBase) << 2);
    let j = 0;
    if (act <= 2) {
      for (; j + 4 <= cols; j += 4) {
        const o = (<usize>j) << 2;
        let v = v128.load(row + o);
        if (hasBias) v = f32x4.add(v, v128.load(bb + o));
        if (hasRes) v = f32x4.add(v, v128.load(rrow + o));
        // NOTE: f32x4.max (not pmax) propagates NaN like Math.max in the JS path.
        if (act === 1) v = f32x4.max(v, zero);
        else if (act === 2) v = v128.bitselect(f32x4.mul(v, al), v, f32x4.lt(v, zero));
        v128.store(row + o, v);
      }
    }
    for (; j < cols; j++) {
      const o = (<usize>j) << 2;
      let v = load<f32>(row + o);
      if (hasBias) v += load<f32>(bb + o);
      if (hasRes) v += load<f32>(rrow + o);
      if (act === 1) v = v > 0 ? v : <f32>Math.max(<f64>v, 0);
      else if (act === 2) v = v < 0 ? alpha * v : v;
      else if (act === 3) v = <f32>(1 / (1 + Math.exp(-(<f64>v))));
      else if (act === 4) v = <f32>Math.tanh(<f64>v);
      store<f32>(row + o, v);
    }
  }
}

/**
 * Conv output rows [m0, m1) and, in every group, the filters of 8-column panels [p0, p1): blocked over
 * rows (MC) and depth (KC), then weight panels and 4-row pixel panels. Threads split either the rows or
 * the panels. `pa` is this thread's scratch: scratchFloats() floats plus 32 for edge tiles.
 */
export function convRows(
  x: usize,
  w: usize,
  bias: usize,
  res: usize,
  y: usize,
  pa: usize,
  H: i32,
  W: i32,
  C: i32,
  outH: i32,
  outW: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  dh: i32,
  dw: i32,
  padT: i32,
  padL: i32,
  groups: i32,
  cinG: i32,
  F: i32,
  fG: i32,
  act: i32,
  alpha: f32,
  hasBias: bool,
  hasRes: bool,
  m0: i32,
  m1: i32,
  p0: i32,
  p1: i32,
): void {
  gH = H;
  gW = W;
  gC = C;
  gOutH = outH;
  gOutW = outW;
  gKw = kw;
  gSh = sh;
  gSw = sw;
  gDh = dh;
  gDw = dw;
  gPadT = padT;
  gPadL = padL;
  gCinG = cinG;
  const tmp = pa + ((<usize>(MC * KC)) << 2);
  const K = kh * kw * cinG;
  const nP = (fG + 7) >> 3;
  const pEnd = min(p1, nP);
  if (p0 >= pEnd) return;
  const fFirst = p0 * 8;
  const fLen = min(fG, pEnd * 8) - fFirst;
  const ldy = (<usize>F) << 2;
  for (let grp = 0; grp < groups; grp++) {
    const wg = w + ((<usize>(grp * nP * K * 8)) << 2);
    const cBase = grp * cinG;
    const fBase = grp * fG;
    for (let mb = m0; mb < m1; mb += MC) {
      const mLen = min(MC, m1 - mb);
      const mP = (mLen + 3) >> 2;
      for (let k0 = 0; k0 < K; k0 += KC) {
        const kLen = min(KC, K - k0);
        packA(x, cBase, mb, mLen, k0, kLen, pa);
        for (let p = p0; p < pEnd; p++) {
          const nValid = min(8, fG - p * 8);
          const ib = wg + ((<usize>(p * K * 8 + k0 * 8)) << 2);
          const yCol = y + ((<usize>(fBase + p * 8)) << 2);
          for (let q = 0; q < mP; q++) {
            micro4x8(
              kLen,
              pa + ((<usize>(q * kLen * 4)) << 2),
              ib,
              yCol + <usize>(mb + q * 4) * ldy,
              ldy,
              k0 > 0,
              min(4, mLen - q * 4),
              nValid,
              tmp,
            );
          }
        }
      }
      epilogue(y, bias, res, F, fBase + fFirst, fLen, mb, mLen, act, alpha, hasBias, hasRes);
    }
  }
}

/**
 * The same conv shared among threads by chunks: every thread calls this with its own `pa`, and each
 * takes the next chunk from the shared counter at `counter` (zeroed by the host before the threads
 * start) until none is left, so a thread slowed by another process does not hold the others up.
 * Chunks are `chunk` rows (byRows) or `chunk` weight panels over all m rows.
 */
export function convChunks(
  x: usize,
  w: usize,
  bias: usize,
  res: usize,
  y: usize,
  pa: usize,
  H: i32,
  W: i32,
  C: i32,
  outH: i32,
  outW: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  dh: i32,
  dw: i32,
  padT: i32,
  padL: i32,
  groups: i32,
  cinG: i32,
  F: i32,
  fG: i32,
  act: i32,
  alpha: f32,
  hasBias: bool,
  hasRes: bool,
  m: i32,
  byRows: bool,
  chunk: i32,
  counter: usize,
): void {
  const nP = (fG + 7) >> 3;
  const total = ((byRows ? m : nP) + chunk - 1) / chunk;
  for (;;) {
    const c = atomic.add<i32>(counter, 1);
    if (c >= total) break;
    const lo = c * chunk;
    const hi = lo + chunk;
    convRows(
      x,
      w,
      bias,
      res,
      y,
      pa,
      H,
      W,
      C,
      outH,
      outW,
      kh,
      kw,
      sh,
      sw,
      dh,
      dw,
      padT,
      padL,
      groups,
      cinG,
      F,
      fG,
      act,
      alpha,
      hasBias,
      hasRes,
      byRows ? lo : 0,
      byRows ? min(m, hi) : m,
      byRows ? 0 : lo,
      byRows ? nP : hi,
    );
  }
}
