import { resizeSource } from "@fusegraph/dsl";

/** Plain-loop NHWC references (batch 1), written from docs/ops.md, for checking lowerings. */
export interface T3 {
  h: number;
  w: number;
  c: number;
  data: Float32Array;
}

const at = (x: T3, i: number, j: number, k: number) => x.data[(i * x.w + j) * x.c + k] ?? 0;

/** Convolution with explicit pads [t,b,l,r], strides, dilation and groups; kernel [kh,kw,C/g,F]. */
export function conv(
  x: T3,
  kernel: Float32Array,
  [kh, kw]: [number, number],
  filters: number,
  [sh, sw]: [number, number],
  [dh, dw]: [number, number],
  [pt, pb, pl, pr]: [number, number, number, number],
  groups: number,
  bias?: Float32Array,
): T3 {
  const oh = Math.floor((x.h + pt + pb - ((kh - 1) * dh + 1)) / sh) + 1;
  const ow = Math.floor((x.w + pl + pr - ((kw - 1) * dw + 1)) / sw) + 1;
  const cg = x.c / groups;
  const fg = filters / groups;
  const out = new Float32Array(oh * ow * filters);
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++)
      for (let f = 0; f < filters; f++) {
        const g = Math.floor(f / fg);
        let s = bias?.[f] ?? 0;
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++) {
            const y = i * sh + a * dh - pt;
            const z = j * sw + b * dw - pl;
            if (y < 0 || y >= x.h || z < 0 || z >= x.w) continue;
            for (let k = 0; k < cg; k++)
              s += at(x, y, z, g * cg + k) * (kernel[((a * kw + b) * cg + k) * filters + f] ?? 0);
          }
        out[(i * ow + j) * filters + f] = s;
      }
  return { h: oh, w: ow, c: filters, data: out };
}

/**
 * Pooling over windows whose top-left is (i*s - pt); taps outside the input are skipped for max and
 * counted for avg only with countIncludePad and inside the declared pads.
 */
export function pool(
  x: T3,
  kind: "max" | "avg",
  [kh, kw]: [number, number],
  [sh, sw]: [number, number],
  [dh, dw]: [number, number],
  [pt, pb, pl, pr]: [number, number, number, number],
  [oh, ow]: [number, number],
  countIncludePad: boolean,
): T3 {
  const out = new Float32Array(oh * ow * x.c);
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++)
      for (let k = 0; k < x.c; k++) {
        let m = Number.NEGATIVE_INFINITY;
        let s = 0;
        let n = 0;
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++) {
            const y = i * sh + a * dh - pt;
            const z = j * sw + b * dw - pl;
            const inside = y >= 0 && y < x.h && z >= 0 && z < x.w;
            const inPads = y >= -pt && y < x.h + pb && z >= -pl && z < x.w + pr;
            if (inside) {
              const v = at(x, y, z, k);
              m = Math.max(m, v);
              s += v;
            }
            if (inside || (countIncludePad && inPads)) n++;
          }
        out[(i * ow + j) * x.c + k] = kind === "max" ? m : s / n;
      }
  return { h: oh, w: ow, c: x.c, data: out };
}

/** Resize with the dsl's source-coordinate rule, evaluated point by point. */
export function resize(
  x: T3,
  [oh, ow]: [number, number],
  mode: "nearest" | "bilinear",
  alignCorners: boolean,
): T3 {
  const out = new Float32Array(oh * ow * x.c);
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++) {
      const sy = resizeSource(i, x.h, oh, mode, alignCorners);
      const sx = resizeSource(j, x.w, ow, mode, alignCorners);
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      const y1 = Math.min(x.h - 1, y0 + 1);
      const x1 = Math.min(x.w - 1, x0 + 1);
      const fy = sy - y0;
      const fx = sx - x0;
      for (let k = 0; k < x.c; k++) {
        const top = at(x, y0, x0, k) * (1 - fx) + at(x, y0, x1, k) * fx;
        const bot = at(x, y1, x0, k) * (1 - fx) + at(x, y1, x1, k) * fx;
        out[(i * ow + j) * x.c + k] = top * (1 - fy) + bot * fy;
      }
    }
  return { h: oh, w: ow, c: x.c, data: out };
}
