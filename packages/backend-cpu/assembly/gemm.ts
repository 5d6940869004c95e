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

/** Winograd blocking: tiles per block, channels per depth block, filters per chunk of the GEMMs. */
export const WT: i32 = 32;
export const WKC: i32 = 128;
export const WFC: i32 = 64;

/** Floats of packing scratch one thread needs (im2col panels, or Winograd's V and M blocks). */
export function scratchFloats(): i32 {
  return max(MC * KC, 16 * WT * (WKC + WFC) + 256);
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
// Winograd's tiling: tiles per image and per tile row.
let gTiles: i32 = 0;
let gTW: i32 = 0;

/** `n` contiguous floats from `s` into one row of a 4-row panel (16 bytes apart from `d` on). */
function copyToPanel(s: usize, d: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4, s += 16, d += 64) {
    const v = v128.load(s);
    store<f32>(d, f32x4.extract_lane(v, 0));
    store<f32>(d, f32x4.extract_lane(v, 1), 16);
    store<f32>(d, f32x4.extract_lane(v, 2), 32);
    store<f32>(d, f32x4.extract_lane(v, 3), 48);
  }
  for (; i < n; i++, s += 4, d += 16) store<f32>(d, load<f32>(s));
}

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
    // NOTE: (ky, kx, c0) advance with k instead of being divided out of it per segment: with few channels
    // (a 3-channel stem) the two divisions per segment cost more than the copy.
    let ky = k0 / kwc;
    const r0 = k0 - ky * kwc;
    let kx = r0 / cinG;
    let c0 = r0 - kx * cinG;
    // With one group and no dilation along x, a window row inside the image is kw * C contiguous floats.
    const rowRuns = cinG === gC && gDw === 1 && ix0 >= 0 && ix0 + gKw <= gW;
    let k = k0;
    while (k < kEnd) {
      const iy = iy0 + ky * gDh;
      if (rowRuns && c0 === 0 && kx === 0 && iy >= 0 && iy < gH) {
        const seg = min(kwc, kEnd - k);
        copyToPanel(
          x + ((<usize>(((b * gH + iy) * gW + ix0) * gC)) << 2),
          dst0 + ((<usize>(k - k0)) << 4),
          seg,
        );
        k += seg;
        ky++;
        continue;
      }
      const seg = min(cinG - c0, kEnd - k);
      const ix = ix0 + kx * gDw;
      const d = dst0 + ((<usize>(k - k0)) << 4);
      if (iy < 0 || iy >= gH || ix < 0 || ix >= gW) {
        for (let i = 0, z = d; i < seg; i++, z += 16) store<f32>(z, 0);
      } else {
        copyToPanel(x + ((<usize>(((b * gH + iy) * gW + ix) * gC + cBase + c0)) << 2), d, seg);
      }
      k += seg;
      c0 += seg;
      if (c0 === cinG) {
        c0 = 0;
        if (++kx === gKw) {
          kx = 0;
          ky++;
        }
      }
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

// Winograd F(2x2, 3x3) (Lavin & Gray, 2016) for 3x3 stride-1 undilated convs with one group and channel
// and filter counts divisible by 4: each 2x2 output tile costs 16 (instead of 36) MACs per channel and
// filter. Per block of WT tiles: V = B^T d B of every 4x4 input patch (4 channels at a time), packed as
// the micro-kernel's 4-row A panels; 16 GEMMs M[xi] = V[xi] U[xi] on the host-packed U = G g G^T
// (u[xi][panel][c][8]); then Y = A^T M A with the usual epilogue.

/** One 4x4 input patch of tile `t`, channels [c, c+4): the 16 vectors of B^T d B, `xiStride` bytes apart from `v`. */
function winoInTile(x: usize, t: i32, c: i32, v: usize, xiStride: usize, tiles: i32): void {
  const tHW = gTiles;
  const tW = gTW;
  const d0 = f32x4.splat(0);
  // Rows of d (4 vectors each), zero outside the image.
  const b = t / tHW;
  const rem = t - b * tHW;
  const ty = rem / tW;
  const tx = rem - ty * tW;
  const iy0 = ty * 2 - gPadT;
  const ix0 = tx * 2 - gPadL;
  const inside = t < tiles && iy0 >= 0 && iy0 + 4 <= gH && ix0 >= 0 && ix0 + 4 <= gW;
  // t[i][j] = (B^T d)[i][j], built row by row from d's rows.
  let r00 = d0,
    r01 = d0,
    r02 = d0,
    r03 = d0;
  let r10 = d0,
    r11 = d0,
    r12 = d0,
    r13 = d0;
  let r20 = d0,
    r21 = d0,
    r22 = d0,
    r23 = d0;
  let r30 = d0,
    r31 = d0,
    r32 = d0,
    r33 = d0;
  const rowBytes = (<usize>(gW * gC)) << 2;
  const pixBytes = (<usize>gC) << 2;
  if (inside) {
    let s = x + ((<usize>(((b * gH + iy0) * gW + ix0) * gC + c)) << 2);
    r00 = v128.load(s);
    r01 = v128.load(s + pixBytes);
    r02 = v128.load(s + 2 * pixBytes);
    r03 = v128.load(s + 3 * pixBytes);
    s += rowBytes;
    r10 = v128.load(s);
    r11 = v128.load(s + pixBytes);
    r12 = v128.load(s + 2 * pixBytes);
    r13 = v128.load(s + 3 * pixBytes);
    s += rowBytes;
    r20 = v128.load(s);
    r21 = v128.load(s + pixBytes);
    r22 = v128.load(s + 2 * pixBytes);
    r23 = v128.load(s + 3 * pixBytes);
    s += rowBytes;
    r30 = v128.load(s);
    r31 = v128.load(s + pixBytes);
    r32 = v128.load(s + 2 * pixBytes);
    r33 = v128.load(s + 3 * pixBytes);
  } else if (t < tiles) {
    r00 = winoAt(x, b, iy0, ix0, c);
    r01 = winoAt(x, b, iy0, ix0 + 1, c);
    r02 = winoAt(x, b, iy0, ix0 + 2, c);
    r03 = winoAt(x, b, iy0, ix0 + 3, c);
    r10 = winoAt(x, b, iy0 + 1, ix0, c);
    r11 = winoAt(x, b, iy0 + 1, ix0 + 1, c);
    r12 = winoAt(x, b, iy0 + 1, ix0 + 2, c);
    r13 = winoAt(x, b, iy0 + 1, ix0 + 3, c);
    r20 = winoAt(x, b, iy0 + 2, ix0, c);
    r21 = winoAt(x, b, iy0 + 2, ix0 + 1, c);
    r22 = winoAt(x, b, iy0 + 2, ix0 + 2, c);
    r23 = winoAt(x, b, iy0 + 2, ix0 + 3, c);
    r30 = winoAt(x, b, iy0 + 3, ix0, c);
    r31 = winoAt(x, b, iy0 + 3, ix0 + 1, c);
    r32 = winoAt(x, b, iy0 + 3, ix0 + 2, c);
    r33 = winoAt(x, b, iy0 + 3, ix0 + 3, c);
  }
  // B^T over rows: t0 = d0 - d2, t1 = d1 + d2, t2 = d2 - d1, t3 = d1 - d3.
  const t00 = f32x4.sub(r00, r20),
    t01 = f32x4.sub(r01, r21),
    t02 = f32x4.sub(r02, r22),
    t03 = f32x4.sub(r03, r23);
  const t10 = f32x4.add(r10, r20),
    t11 = f32x4.add(r11, r21),
    t12 = f32x4.add(r12, r22),
    t13 = f32x4.add(r13, r23);
  const t20 = f32x4.sub(r20, r10),
    t21 = f32x4.sub(r21, r11),
    t22 = f32x4.sub(r22, r12),
    t23 = f32x4.sub(r23, r13);
  const t30 = f32x4.sub(r10, r30),
    t31 = f32x4.sub(r11, r31),
    t32 = f32x4.sub(r12, r32),
    t33 = f32x4.sub(r13, r33);
  // ... and B over columns, each result scattered to its xi's panel (lane = tile within the panel).
  winoStore(
    v,
    xiStride,
    0,
    f32x4.sub(t00, t02),
    f32x4.add(t01, t02),
    f32x4.sub(t02, t01),
    f32x4.sub(t01, t03),
  );
  winoStore(
    v,
    xiStride,
    4,
    f32x4.sub(t10, t12),
    f32x4.add(t11, t12),
    f32x4.sub(t12, t11),
    f32x4.sub(t11, t13),
  );
  winoStore(
    v,
    xiStride,
    8,
    f32x4.sub(t20, t22),
    f32x4.add(t21, t22),
    f32x4.sub(t22, t21),
    f32x4.sub(t21, t23),
  );
  winoStore(
    v,
    xiStride,
    12,
    f32x4.sub(t30, t32),
    f32x4.add(t31, t32),
    f32x4.sub(t32, t31),
    f32x4.sub(t31, t33),
  );
}

/** Channels [c, c+4) of input pixel (b, iy, ix), zero outside the image. */
function winoAt(x: usize, b: i32, iy: i32, ix: i32, c: i32): v128 {
  if (iy < 0 || iy >= gH || ix < 0 || ix >= gW) return f32x4.splat(0);
  return v128.load(x + ((<usize>(((b * gH + iy) * gW + ix) * gC + c)) << 2));
}

/** Four channel vectors of xi = xi0..xi0+3, `xiStride` bytes apart. */
function winoStore(v: usize, xiStride: usize, xi0: i32, a: v128, b: v128, c: v128, d: v128): void {
  winoStore1(v + <usize>xi0 * xiStride, a);
  winoStore1(v + <usize>(xi0 + 1) * xiStride, b);
  winoStore1(v + <usize>(xi0 + 2) * xiStride, c);
  winoStore1(v + <usize>(xi0 + 3) * xiStride, d);
}

function winoStore1(p: usize, a: v128): void {
  v128.store(p, a);
}

/** Y = A^T M A of tiles [t0, t0+tLen) and filters [f0, f1) (M rows are tiles, ldm floats apart), + epilogue. */
function winoOut(
  m: usize,
  xiStride: usize,
  ldm: i32,
  bias: usize,
  res: usize,
  y: usize,
  F: i32,
  t0: i32,
  tLen: i32,
  f0: i32,
  f1: i32,
  act: i32,
  alpha: f32,
  hasBias: bool,
  hasRes: bool,
): void {
  const tHW = gTiles;
  const tW = gTW;
  const outH = gOutH;
  const outW = gOutW;
  const zero = f32x4.splat(0);
  const al = f32x4.splat(alpha);
  for (let r = 0; r < tLen; r++) {
    const t = t0 + r;
    const b = t / tHW;
    const rem = t - b * tHW;
    const ty = rem / tW;
    const tx = rem - ty * tW;
    const oy = ty * 2;
    const ox = tx * 2;
    const okY = oy + 1 < outH;
    const okX = ox + 1 < outW;
    const o00 = (<usize>(((b * outH + oy) * outW + ox) * F)) << 2;
    const o01 = o00 + ((<usize>F) << 2);
    const o10 = o00 + ((<usize>(outW * F)) << 2);
    const o11 = o10 + ((<usize>F) << 2);
    for (let f = f0; f < f1; f += 4) {
      const mm = m + ((<usize>(r * ldm + f - f0)) << 2);
      const m0 = v128.load(mm),
        m1 = v128.load(mm + xiStride),
        m2 = v128.load(mm + 2 * xiStride),
        m3 = v128.load(mm + 3 * xiStride);
      const m4 = v128.load(mm + 4 * xiStride),
        m5 = v128.load(mm + 5 * xiStride),
        m6 = v128.load(mm + 6 * xiStride),
        m7 = v128.load(mm + 7 * xiStride);
      const m8 = v128.load(mm + 8 * xiStride),
        m9 = v128.load(mm + 9 * xiStride),
        m10 = v128.load(mm + 10 * xiStride),
        m11 = v128.load(mm + 11 * xiStride);
      const m12 = v128.load(mm + 12 * xiStride),
        m13 = v128.load(mm + 13 * xiStride),
        m14 = v128.load(mm + 14 * xiStride),
        m15 = v128.load(mm + 15 * xiStride);
      // A^T over rows: s0 = m0 + m1 + m2, s1 = m1 - m2 - m3 (row vectors of 4 columns each).
      const s00 = f32x4.add(f32x4.add(m0, m4), m8),
        s01 = f32x4.add(f32x4.add(m1, m5), m9);
      const s02 = f32x4.add(f32x4.add(m2, m6), m10),
        s03 = f32x4.add(f32x4.add(m3, m7), m11);
      const s10 = f32x4.sub(f32x4.sub(m4, m8), m12),
        s11 = f32x4.sub(f32x4.sub(m5, m9), m13);
      const s12 = f32x4.sub(f32x4.sub(m6, m10), m14),
        s13 = f32x4.sub(f32x4.sub(m7, m11), m15);
      const fo = (<usize>f) << 2;
      const bv = hasBias ? v128.load(bias + fo) : zero;
      winoPut(y, res, o00 + fo, f32x4.add(f32x4.add(s00, s01), s02), bv, act, al, hasRes);
      if (okX) winoPut(y, res, o01 + fo, f32x4.sub(f32x4.sub(s01, s02), s03), bv, act, al, hasRes);
      if (okY) {
        winoPut(y, res, o10 + fo, f32x4.add(f32x4.add(s10, s11), s12), bv, act, al, hasRes);
        if (okX) winoPut(y, res, o11 + fo, f32x4.sub(f32x4.sub(s11, s12), s13), bv, act, al, hasRes);
      }
    }
  }
}

function winoPut(y: usize, res: usize, o: usize, v: v128, bv: v128, act: i32, al: v128, hasRes: bool): void {
  let a = f32x4.add(v, bv);
  if (hasRes) a = f32x4.add(a, v128.load(res + o));
  const zero = f32x4.splat(0);
  if (act === 1) a = f32x4.max(a, zero);
  else if (act === 2) a = v128.bitselect(f32x4.mul(a, al), a, f32x4.lt(a, zero));
  v128.store(y + o, a);
}

/**
 * Winograd conv of tiles [t0, t1) and 8-filter panels [p0, p1), blocked by WT tiles, WFC filters and WKC
 * channels. `scr` is this thread's scratch (scratchFloats() + 32 floats). Activations: 0, 1, 2 only.
 */
export function winograd(
  x: usize,
  u: usize,
  bias: usize,
  res: usize,
  y: usize,
  scr: usize,
  H: i32,
  W: i32,
  C: i32,
  outH: i32,
  outW: i32,
  padT: i32,
  padL: i32,
  F: i32,
  act: i32,
  alpha: f32,
  hasBias: bool,
  hasRes: bool,
  batch: i32,
  t0: i32,
  t1: i32,
  p0: i32,
  p1: i32,
): void {
  const tH = (outH + 1) >> 1;
  const tW = (outW + 1) >> 1;
  gH = H;
  gW = W;
  gC = C;
  gOutH = outH;
  gOutW = outW;
  gPadT = padT;
  gPadL = padL;
  gTiles = tH * tW;
  gTW = tW;
  const tiles = batch * tH * tW;
  const nP = (F + 7) >> 3;
  // 16 xi x 4 tiles of transformed channel vectors, transposed from there into V's panels.
  const tr = scr + ((<usize>(16 * WT * (WKC + WFC))) << 2);
  const tmp = tr + 1024;
  const m = scr + ((<usize>(16 * WT * WKC)) << 2);
  for (let tb = t0; tb < t1; tb += WT) {
    const tLen = min(WT, t1 - tb);
    const tP = (tLen + 3) >> 2;
    for (let pc = p0; pc < p1; pc += WFC >> 3) {
      const pEnd = min(p1, pc + (WFC >> 3));
      const ldm = (pEnd - pc) * 8;
      const mXi = (<usize>(tP * 4 * ldm)) << 2;
      for (let k0 = 0; k0 < C; k0 += WKC) {
        const kLen = min(WKC, C - k0);
        const vXi = (<usize>(tP * 4 * kLen)) << 2;
        // V: per xi, tile panel q, channel k, 4 tiles.
        for (let q = 0; q < tP; q++) {
          for (let c = 0; c < kLen; c += 4) {
            for (let lane = 0; lane < 4; lane++) {
              const t = tb + q * 4 + lane;
              winoInTile(x, t < t1 ? t : tiles, k0 + c, tr + ((<usize>lane) << 4), 64, tiles);
            }
            // 4 tiles x 4 channels -> 4 channels x 4 tiles, the panel's [k][4] order.
            const vq = scr + ((<usize>(q * kLen * 4 + c * 4)) << 2);
            for (let xi = 0; xi < 16; xi++) {
              const src = tr + ((<usize>xi) << 6);
              const a0 = v128.load(src);
              const a1 = v128.load(src, 16);
              const a2 = v128.load(src, 32);
              const a3 = v128.load(src, 48);
              const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5);
              const t1 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
              const t2 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
              const t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
              const d = vq + <usize>xi * vXi;
              v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
              v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
              v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
              v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
            }
          }
        }
        for (let xi = 0; xi < 16; xi++) {
          const v = scr + <usize>xi * vXi;
          const mx = m + <usize>xi * mXi;
          for (let p = pc; p < pEnd; p++) {
            const ub = u + ((<usize>(((xi * nP + p) * C + k0) * 8)) << 2);
            const mCol = mx + ((<usize>((p - pc) * 8)) << 2);
            for (let q = 0; q < tP; q++) {
              micro4x8(
                kLen,
                v + ((<usize>(q * kLen * 4)) << 2),
                ub,
                mCol + ((<usize>(q * 4 * ldm)) << 2),
                (<usize>ldm) << 2,
                k0 > 0,
                4,
                8,
                tmp,
              );
            }
          }
        }
      }
      winoOut(m, mXi, ldm, bias, res, y, F, tb, tLen, pc * 8, min(F, pEnd * 8), act, alpha, hasBias, hasRes);
    }
  }
}

/** `winograd` shared among threads by chunks of `tChunk` tiles x `pChunk` panels from the counter at `counter`. */
export function winogradChunks(
  x: usize,
  u: usize,
  bias: usize,
  res: usize,
  y: usize,
  scr: usize,
  H: i32,
  W: i32,
  C: i32,
  outH: i32,
  outW: i32,
  padT: i32,
  padL: i32,
  F: i32,
  act: i32,
  alpha: f32,
  hasBias: bool,
  hasRes: bool,
  batch: i32,
  tChunk: i32,
  pChunk: i32,
  counter: usize,
): void {
  const tiles = batch * ((outH + 1) >> 1) * ((outW + 1) >> 1);
  const nP = (F + 7) >> 3;
  const nPC = (nP + pChunk - 1) / pChunk;
  const total = ((tiles + tChunk - 1) / tChunk) * nPC;
  for (;;) {
    const c = atomic.add<i32>(counter, 1);
    if (c >= total) break;
    const tc = c / nPC;
    const pc = c - tc * nPC;
    const t0 = tc * tChunk;
    const p0 = pc * pChunk;
    winograd(
      x,
      u,
      bias,
      res,
      y,
      scr,
      H,
      W,
      C,
      outH,
      outW,
      padT,
      padL,
      F,
      act,
      alpha,
      hasBias,
      hasRes,
      batch,
      t0,
      min(tiles, t0 + tChunk),
      p0,
      min(nP, p0 + pChunk),
    );
  }
}

/**
 * Max pooling, channels last, 4 channels per vector: taps outside the input are skipped (padding never
 * wins), a NaN tap wins (f32x4.max propagates NaN, like the JS kernel's `v > m || isNaN(v)`).
 */
export function maxPool(
  x: usize,
  y: usize,
  batch: i32,
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
): void {
  const c4 = C & ~3;
  const ninf = f32x4.splat(-Infinity);
  let d = y;
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * sh - padT;
      for (let ox = 0; ox < outW; ox++, d += (<usize>C) << 2) {
        const ix0 = ox * sw - padL;
        for (let c = 0; c < c4; c += 4) {
          let m = ninf;
          for (let ky = 0; ky < kh; ky++) {
            const iy = iy0 + ky * dh;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ix0 + kx * dw;
              if (ix < 0 || ix >= W) continue;
              m = f32x4.max(m, v128.load(x + ((<usize>(((b * H + iy) * W + ix) * C + c)) << 2)));
            }
          }
          v128.store(d + ((<usize>c) << 2), m);
        }
        for (let c = c4; c < C; c++) {
          let m: f32 = -Infinity;
          for (let ky = 0; ky < kh; ky++) {
            const iy = iy0 + ky * dh;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ix0 + kx * dw;
              if (ix < 0 || ix >= W) continue;
              const v = load<f32>(x + ((<usize>(((b * H + iy) * W + ix) * C + c)) << 2));
              // biome-ignore lint/suspicious/noGlobalIsNan: AssemblyScript's typed builtin, no coercion here.
              if (v > m || isNaN<f32>(v)) m = v;
            }
          }
          store<f32>(d + ((<usize>c) << 2), m);
        }
      }
    }
  }
}
