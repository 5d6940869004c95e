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
/** Tiles per block of F(4x4, 3x3): its 36 V and M matrices take 36/16 the room per tile. */
export const WT4: i32 = 16;

/**
 * Floats of packing scratch one thread needs: im2col panels, or Winograd's V and M blocks plus the
 * transposition area (64 bytes per xi), the edge tile (32 floats) and F(4x4)'s 6x6 two-pass area.
 */
export function scratchFloats(): i32 {
  return max(MC * KC, max(16 * WT * (WKC + WFC) + 16 * 16 + 32, 36 * WT4 * (WKC + WFC) + 36 * 16 + 32 + 144));
}

// Geometry of the current call, set by convRows (globals are per instance, so per thread).
let gH: i32 = 0;
let gW: i32 = 0;
let gC: i32 = 0;
let gOutH: i32 = 0;
let gOutW: i32 = 0;
let gKh: i32 = 0;
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

/** The image of output row m (returned) and its window's top-left input pixel (into gIy0, gIx0). */
function windowOf(m: i32): i32 {
  const ohw = gOutH * gOutW;
  const b = m / ohw;
  const rem = m - b * ohw;
  const oy = rem / gOutW;
  const ox = rem - oy * gOutW;
  gIy0 = oy * gSh - gPadT;
  gIx0 = ox * gSw - gPadL;
  return b;
}
// Set by windowOf.
let gIy0: i32 = 0;
let gIx0: i32 = 0;

/**
 * im2col of rows [mb, mb+mLen) and K columns [k0, k0+kLen) into 4-row panels: pa[panel][k][4]. Panels
 * whose four windows lie inside the image are gathered four rows at a time with a 4x4 transpose (the
 * same k offset serves every row); panels touching the border or the end go row by row.
 */
function packA(x: usize, cBase: i32, mb: i32, mLen: i32, k0: i32, kLen: i32, pa: usize): void {
  const mP4 = ((mLen + 3) >> 2) << 2;
  const spanY = (gKh - 1) * gDh;
  const spanX = (gKw - 1) * gDw;
  for (let r = 0; r < mP4; r += 4) {
    const panel = pa + ((<usize>((r >> 2) * kLen * 4)) << 2);
    if (r + 4 <= mLen) {
      let inside = true;
      let s0: usize = 0,
        s1: usize = 0,
        s2: usize = 0,
        s3: usize = 0;
      for (let i = 0; i < 4 && inside; i++) {
        const b = windowOf(mb + r + i);
        inside = gIy0 >= 0 && gIy0 + spanY < gH && gIx0 >= 0 && gIx0 + spanX < gW;
        const s = x + ((<usize>(((b * gH + gIy0) * gW + gIx0) * gC + cBase)) << 2);
        if (i === 0) s0 = s;
        else if (i === 1) s1 = s;
        else if (i === 2) s2 = s;
        else s3 = s;
      }
      if (inside) {
        packPanelInside(s0, s1, s2, s3, k0, kLen, panel);
        continue;
      }
    }
    for (let i = 0; i < 4; i++) packRow(x, cBase, mb, mLen, r + i, k0, kLen, panel + ((<usize>i) << 2));
  }
}

/**
 * K columns [k0, k0+kLen) of four windows lying inside the image (origins s0..s3) into one panel: runs of
 * contiguous floats (a window row's kw * C with one group and no dilation along x, else one tap's channels)
 * are loaded from the four rows and transposed, four k at a time.
 */
function packPanelInside(s0: usize, s1: usize, s2: usize, s3: usize, k0: i32, kLen: i32, d: usize): void {
  const cinG = gCinG;
  const kwc = gKw * cinG;
  const rowRuns = cinG === gC && gDw === 1;
  let ky = k0 / kwc;
  const r0 = k0 - ky * kwc;
  let kx = r0 / cinG;
  let c0 = r0 - kx * cinG;
  let k = 0;
  while (k < kLen) {
    const seg = rowRuns ? min(kwc - kx * cinG - c0, kLen - k) : min(cinG - c0, kLen - k);
    const off = (<usize>((ky * gDh * gW + kx * gDw) * gC + c0)) << 2;
    transpose4(s0 + off, s1 + off, s2 + off, s3 + off, d + ((<usize>k) << 4), seg);
    k += seg;
    if (rowRuns) {
      ky++;
      kx = 0;
      c0 = 0;
    } else {
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

/** `n` floats from each of four rows into [n][4] (a panel's layout), four at a time through a 4x4 transpose. */
function transpose4(a: usize, b: usize, c: usize, e: usize, d: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4, a += 16, b += 16, c += 16, e += 16, d += 64) {
    const a0 = v128.load(a);
    const a1 = v128.load(b);
    const a2 = v128.load(c);
    const a3 = v128.load(e);
    const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5);
    const t1 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
    const t2 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
    const t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
    v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
    v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
    v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
    v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
  }
  for (; i < n; i++, a += 4, b += 4, c += 4, e += 4, d += 16) {
    store<f32>(d, load<f32>(a));
    store<f32>(d, load<f32>(b), 4);
    store<f32>(d, load<f32>(c), 8);
    store<f32>(d, load<f32>(e), 12);
  }
}

/** Row r of a panel (r past mLen: zeros), one window row or tap at a time, padding as zeros; `dst0` is its lane. */
function packRow(x: usize, cBase: i32, mb: i32, mLen: i32, r: i32, k0: i32, kLen: i32, dst0: usize): void {
  const cinG = gCinG;
  const kwc = gKw * cinG;
  const kEnd = k0 + kLen;
  if (r >= mLen) {
    let d = dst0;
    for (let k = 0; k < kLen; k++, d += 16) store<f32>(d, 0);
    return;
  }
  const b = windowOf(mb + r);
  const iy0 = gIy0;
  const ix0 = gIx0;
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

/**
 * C[4 x 8] (+)= A[4 x kLen] * B-panel[kLen x 8]. Row r of A is read from `ar` on, `kStride` bytes per
 * k: a packed panel (rows 4 bytes apart, kStride 16) or, for a 1x1 conv, the input pixels themselves
 * (kStride 4). A full tile is stored straight into y (row stride ldy bytes); an edge tile goes through
 * `tmp` and only its mValid x nValid corner is written.
 */
function micro4x8(
  kLen: i32,
  a0: usize,
  a1: usize,
  a2: usize,
  a3: usize,
  kStride: usize,
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
  const end = b + ((<usize>kLen) << 5);
  for (; b < end; b += 32, a0 += kStride, a1 += kStride, a2 += kStride, a3 += kStride) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a0);
    c00 = f32x4.add(c00, f32x4.mul(av, b0));
    c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(a1);
    c10 = f32x4.add(c10, f32x4.mul(av, b0));
    c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(a2);
    c20 = f32x4.add(c20, f32x4.mul(av, b0));
    c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(a3);
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

/** Byte offset of input channel cBase for each of rows [mb, mb+mLen) of a 1x1 unpadded conv, into `rows`. */
function rowOffsets(x: usize, cBase: i32, mb: i32, mLen: i32, rows: usize): void {
  const ohw = gOutH * gOutW;
  for (let r = 0; r < mLen; r++) {
    const m = mb + r;
    const b = m / ohw;
    const rem = m - b * ohw;
    const oy = rem / gOutW;
    const ox = rem - oy * gOutW;
    store<u32>(
      rows + ((<usize>r) << 2),
      <u32>(x + ((<usize>(((b * gH + oy * gSh) * gW + ox * gSw) * gC + cBase)) << 2)),
    );
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
  gKh = kh;
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
  // A 1x1 conv with no output in the padding reads its rows straight from the input (no im2col, nothing to pack):
  // `pa` then holds the byte offset of each row's first channel.
  const direct =
    kh === 1 && kw === 1 && padT === 0 && padL === 0 && (outH - 1) * sh < H && (outW - 1) * sw < W;
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
      if (direct) rowOffsets(x, cBase, mb, mLen, pa);
      for (let k0 = 0; k0 < K; k0 += KC) {
        const kLen = min(KC, K - k0);
        if (!direct) packA(x, cBase, mb, mLen, k0, kLen, pa);
        for (let p = p0; p < pEnd; p++) {
          const nValid = min(8, fG - p * 8);
          const ib = wg + ((<usize>(p * K * 8 + k0 * 8)) << 2);
          const yCol = y + ((<usize>(fBase + p * 8)) << 2);
          for (let q = 0; q < mP; q++) {
            let a0: usize, a1: usize, a2: usize, a3: usize, kStride: usize;
            if (direct) {
              // Rows past the end repeat the first one (read, never stored).
              const rows = pa + ((<usize>(q * 4)) << 2);
              const rem = mLen - q * 4;
              const k0b = (<usize>k0) << 2;
              a0 = load<u32>(rows) + k0b;
              a1 = rem > 1 ? load<u32>(rows, 4) + k0b : a0;
              a2 = rem > 2 ? load<u32>(rows, 8) + k0b : a0;
              a3 = rem > 3 ? load<u32>(rows, 12) + k0b : a0;
              kStride = 4;
            } else {
              a0 = pa + ((<usize>(q * kLen * 4)) << 2);
              a1 = a0 + 4;
              a2 = a0 + 8;
              a3 = a0 + 12;
              kStride = 16;
            }
            micro4x8(
              kLen,
              a0,
              a1,
              a2,
              a3,
              kStride,
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

// F(4x4, 3x3): 6x6 input patches, 36 GEMMs, 4x4 output tiles (points 0, +-1, +-2 and infinity; Lavin &
// Gray, 2016). Each transform runs in two passes (columns, then rows) through `tt`, 36 vectors, because
// the 36 vectors of a patch do not fit in registers.

/** B^T applied to d0..d5 (one column or row of a patch), results stored `stride` bytes apart from `dst`. */
function bt6(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, dst: usize, stride: usize): void {
  const four = f32x4.splat(4);
  const five = f32x4.splat(5);
  const two = f32x4.splat(2);
  v128.store(dst, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
  const s12 = f32x4.add(d1, d2);
  const d12 = f32x4.sub(d1, d2);
  const s34 = f32x4.add(d3, d4);
  const d43 = f32x4.sub(d4, d3);
  v128.store(dst + stride, f32x4.sub(s34, f32x4.mul(four, s12)));
  v128.store(dst + 2 * stride, f32x4.add(f32x4.mul(four, d12), d43));
  const d13 = f32x4.mul(two, f32x4.sub(d1, d3));
  const d42 = f32x4.sub(d4, d2);
  v128.store(dst + 3 * stride, f32x4.sub(d42, d13));
  v128.store(dst + 4 * stride, f32x4.add(d42, d13));
  v128.store(dst + 5 * stride, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
}

/** One 6x6 input patch of tile `t`, channels [c, c+4): the 36 vectors of B^T d B, `xiStride` bytes apart from `v`. */
function wino4InTile(x: usize, t: i32, c: i32, v: usize, xiStride: usize, tiles: i32, tt: usize): void {
  const b = t / gTiles;
  const rem = t - b * gTiles;
  const ty = rem / gTW;
  const tx = rem - ty * gTW;
  const iy0 = ty * 4 - gPadT;
  const ix0 = tx * 4 - gPadL;
  const inside = t < tiles && iy0 >= 0 && iy0 + 6 <= gH && ix0 >= 0 && ix0 + 6 <= gW;
  const rowBytes = (<usize>(gW * gC)) << 2;
  const zero = f32x4.splat(0);
  // Columns: tt[i][j] = (B^T d)[i][j].
  for (let j = 0; j < 6; j++) {
    let d0 = zero,
      d1 = zero,
      d2 = zero,
      d3 = zero,
      d4 = zero,
      d5 = zero;
    if (inside) {
      const s = x + ((<usize>(((b * gH + iy0) * gW + ix0 + j) * gC + c)) << 2);
      d0 = v128.load(s);
      d1 = v128.load(s + rowBytes);
      d2 = v128.load(s + 2 * rowBytes);
      d3 = v128.load(s + 3 * rowBytes);
      d4 = v128.load(s + 4 * rowBytes);
      d5 = v128.load(s + 5 * rowBytes);
    } else if (t < tiles) {
      d0 = winoAt(x, b, iy0, ix0 + j, c);
      d1 = winoAt(x, b, iy0 + 1, ix0 + j, c);
      d2 = winoAt(x, b, iy0 + 2, ix0 + j, c);
      d3 = winoAt(x, b, iy0 + 3, ix0 + j, c);
      d4 = winoAt(x, b, iy0 + 4, ix0 + j, c);
      d5 = winoAt(x, b, iy0 + 5, ix0 + j, c);
    }
    bt6(d0, d1, d2, d3, d4, d5, tt + ((<usize>j) << 4), 96);
  }
  // Rows: V[i][j'] = (tt B)[i][j'], xi = 6 i + j'.
  for (let i = 0; i < 6; i++) {
    const r = tt + <usize>i * 96;
    bt6(
      v128.load(r),
      v128.load(r, 16),
      v128.load(r, 32),
      v128.load(r, 48),
      v128.load(r, 64),
      v128.load(r, 80),
      v + <usize>(6 * i) * xiStride,
      xiStride,
    );
  }
}

/** A^T applied to m0..m5: the four results, stored `stride` bytes apart from `dst`. */
function at6(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, dst: usize, stride: usize): void {
  const s12 = f32x4.add(m1, m2);
  const d12 = f32x4.sub(m1, m2);
  const s34 = f32x4.add(m3, m4);
  const d34 = f32x4.sub(m3, m4);
  v128.store(dst, f32x4.add(f32x4.add(m0, s12), s34));
  v128.store(dst + stride, f32x4.add(d12, f32x4.mul(f32x4.splat(2), d34)));
  v128.store(dst + 2 * stride, f32x4.add(s12, f32x4.mul(f32x4.splat(4), s34)));
  v128.store(dst + 3 * stride, f32x4.add(f32x4.add(d12, f32x4.mul(f32x4.splat(8), d34)), m5));
}

/** Y = A^T M A of F(4x4) tiles [t0, t0+tLen) and filters [f0, f1), + epilogue (as winoOut). */
function wino4Out(
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
  tt: usize,
): void {
  const outH = gOutH;
  const outW = gOutW;
  const al = f32x4.splat(alpha);
  const zero = f32x4.splat(0);
  for (let r = 0; r < tLen; r++) {
    const t = t0 + r;
    const b = t / gTiles;
    const rem = t - b * gTiles;
    const ty = rem / gTW;
    const tx = rem - ty * gTW;
    const oy0 = ty * 4;
    const ox0 = tx * 4;
    for (let f = f0; f < f1; f += 4) {
      const mm = m + ((<usize>(r * ldm + f - f0)) << 2);
      // Columns: tt[k][j] = (A^T M)[k][j], k < 4.
      for (let j = 0; j < 6; j++) {
        const col = mm + <usize>j * xiStride;
        at6(
          v128.load(col),
          v128.load(col + 6 * xiStride),
          v128.load(col + 12 * xiStride),
          v128.load(col + 18 * xiStride),
          v128.load(col + 24 * xiStride),
          v128.load(col + 30 * xiStride),
          tt + ((<usize>j) << 4),
          96,
        );
      }
      // Rows: (tt A)[k][l], output pixel (oy0 + k, ox0 + l) when inside the output.
      const fo = (<usize>f) << 2;
      const bv = hasBias ? v128.load(bias + fo) : zero;
      const o = tt + 384;
      for (let k = 0; k < 4 && oy0 + k < outH; k++) {
        const rr = tt + <usize>k * 96;
        at6(
          v128.load(rr),
          v128.load(rr, 16),
          v128.load(rr, 32),
          v128.load(rr, 48),
          v128.load(rr, 64),
          v128.load(rr, 80),
          o,
          16,
        );
        const row = (<usize>(((b * outH + oy0 + k) * outW + ox0) * F)) << 2;
        const step = (<usize>F) << 2;
        for (let l = 0; l < 4 && ox0 + l < outW; l++) {
          winoPut(y, res, row + <usize>l * step + fo, v128.load(o + ((<usize>l) << 4)), bv, act, al, hasRes);
        }
      }
    }
  }
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
  n: i32,
  t0: i32,
  t1: i32,
  p0: i32,
  p1: i32,
): void {
  const tH = (outH + n - 1) / n;
  const tW = (outW + n - 1) / n;
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
  const xis = n === 2 ? 16 : 36;
  const wt = n === 2 ? WT : WT4;
  // xis x 4 tiles of transformed channel vectors, transposed from there into V's panels; then the edge
  // tile of micro4x8 and F(4x4)'s two-pass area.
  const tr = scr + ((<usize>(xis * wt * (WKC + WFC))) << 2);
  const tmp = tr + <usize>xis * 64;
  const tt = tmp + 128;
  const m = scr + ((<usize>(xis * wt * WKC)) << 2);
  for (let tb = t0; tb < t1; tb += wt) {
    const tLen = min(wt, t1 - tb);
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
              const at = tr + ((<usize>lane) << 4);
              if (n === 2) winoInTile(x, t < t1 ? t : tiles, k0 + c, at, 64, tiles);
              else wino4InTile(x, t < t1 ? t : tiles, k0 + c, at, 64, tiles, tt);
            }
            // 4 tiles x 4 channels -> 4 channels x 4 tiles, the panel's [k][4] order.
            const vq = scr + ((<usize>(q * kLen * 4 + c * 4)) << 2);
            for (let xi = 0; xi < xis; xi++) {
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
        for (let xi = 0; xi < xis; xi++) {
          const v = scr + <usize>xi * vXi;
          const mx = m + <usize>xi * mXi;
          for (let p = pc; p < pEnd; p++) {
            const ub = u + ((<usize>(((xi * nP + p) * C + k0) * 8)) << 2);
            const mCol = mx + ((<usize>((p - pc) * 8)) << 2);
            for (let q = 0; q < tP; q++) {
              const vq = v + ((<usize>(q * kLen * 4)) << 2);
              micro4x8(
                kLen,
                vq,
                vq + 4,
                vq + 8,
                vq + 12,
                16,
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
      const f1 = min(F, pEnd * 8);
      if (n === 2) winoOut(m, mXi, ldm, bias, res, y, F, tb, tLen, pc * 8, f1, act, alpha, hasBias, hasRes);
      else wino4Out(m, mXi, ldm, bias, res, y, F, tb, tLen, pc * 8, f1, act, alpha, hasBias, hasRes, tt);
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
  n: i32,
  tChunk: i32,
  pChunk: i32,
  counter: usize,
): void {
  const tiles = batch * ((outH + n - 1) / n) * ((outW + n - 1) / n);
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
      n,
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

/**
 * y = act(x * scale[c] + shift[c]) over `rows` rows of C channels (an inference batchNorm and its
 * activation, 0-2 as in the epilogue; x and y may be the same buffer).
 */
export function affine(
  x: usize,
  y: usize,
  scale: usize,
  shift: usize,
  rows: i32,
  C: i32,
  act: i32,
  alpha: f32,
): void {
  const c4 = C & ~3;
  const zero = f32x4.splat(0);
  const al = f32x4.splat(alpha);
  const rowBytes = (<usize>C) << 2;
  for (let r = 0; r < rows; r++, x += rowBytes, y += rowBytes) {
    let c = 0;
    for (; c < c4; c += 4) {
      const o = (<usize>c) << 2;
      let v = f32x4.add(f32x4.mul(v128.load(x + o), v128.load(scale + o)), v128.load(shift + o));
      if (act === 1) v = f32x4.max(v, zero);
      else if (act === 2) v = v128.bitselect(f32x4.mul(v, al), v, f32x4.lt(v, zero));
      v128.store(y + o, v);
    }
    for (; c < C; c++) {
      const o = (<usize>c) << 2;
      let v = load<f32>(x + o) * load<f32>(scale + o) + load<f32>(shift + o);
      if (act === 1) v = v > 0 ? v : <f32>Math.max(<f64>v, 0);
      else if (act === 2) v = v < 0 ? alpha * v : v;
      store<f32>(y + o, v);
    }
  }
}

/** Concatenation's inner copy: `outer` blocks of `len` floats from x into y, `total` floats apart from `off` on. */
export function copyBlocks(x: usize, y: usize, outer: i32, len: i32, total: i32, off: i32): void {
  const n = (<usize>len) << 2;
  let d = y + ((<usize>off) << 2);
  const step = (<usize>total) << 2;
  for (let o = 0; o < outer; o++, x += n, d += step) memory.copy(d, x, n);
}

/**
 * A transposed conv's col2im: `part` holds, per input pixel, its kh*kw*F contributions (tap-major); they
 * are added into y (batch x outH x outW x F), which starts as the bias (or zero). With `tiled` (stride
 * equal to an undilated kernel) every output pixel gets exactly one tap, so it is written, not added.
 */
export function col2im(
  part: usize,
  bias: usize,
  y: usize,
  batch: i32,
  H: i32,
  W: i32,
  F: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  dh: i32,
  dw: i32,
  padT: i32,
  padL: i32,
  outH: i32,
  outW: i32,
  hasBias: bool,
  tiled: bool,
): void {
  const fBytes = (<usize>F) << 2;
  const f4 = F & ~3;
  if (!tiled) {
    const px = batch * outH * outW;
    for (let i = 0, d = y; i < px; i++, d += fBytes) {
      if (hasBias) memory.copy(d, bias, fBytes);
      else memory.fill(d, 0, fBytes);
    }
  }
  const zero = f32x4.splat(0);
  let row = part;
  for (let b = 0; b < batch; b++) {
    for (let iy = 0; iy < H; iy++) {
      for (let ix = 0; ix < W; ix++, row += fBytes * <usize>(kh * kw)) {
        for (let ky = 0; ky < kh; ky++) {
          const oy = iy * sh + ky * dh - padT;
          if (oy < 0 || oy >= outH) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ox = ix * sw + kx * dw - padL;
            if (ox < 0 || ox >= outW) continue;
            const d = y + <usize>((b * outH + oy) * outW + ox) * fBytes;
            const s = row + <usize>(ky * kw + kx) * fBytes;
            let f = 0;
            for (; f < f4; f += 4) {
              const o = (<usize>f) << 2;
              const base = tiled ? (hasBias ? v128.load(bias + o) : zero) : v128.load(d + o);
              v128.store(d + o, f32x4.add(base, v128.load(s + o)));
            }
            for (; f < F; f++) {
              const o = (<usize>f) << 2;
              const base = tiled ? (hasBias ? load<f32>(bias + o) : <f32>0) : load<f32>(d + o);
              store<f32>(d + o, base + load<f32>(s + o));
            }
          }
        }
      }
    }
  }
}
