import * as tf from "@tensorflow/tfjs";
import { apply, type LowerContext, only, onlyShape } from "../lowering.js";
import { edgePad } from "./edge-pad.js";

/**
 * How one axis of a resize n -> m is built from built-in layers: replicate-pad `pad` elements on each
 * side, repeat with UpSampling2D by `factor` (tfjs's rule: source j / factor, floor for nearest, lerp
 * for bilinear), then keep every `stride`-th element from `offset` (Cropping2D + a 1x1 MaxPooling2D).
 * Output element d then reads position (stride*d + offset) / factor of the padded input, which the
 * choices below make equal to the dsl's `resizeSource(d, n, m, ...)`.
 */
export interface AxisResize {
  pad: number;
  factor: number;
  offset: number;
  stride: number;
  out: number;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * nearest: floor(d*n/m) = floor(stride*d / factor) with factor m/g, stride n/g.
 * bilinear alignCorners: d*(n-1)/(m-1) = stride*d / factor with factor (m-1)/g, stride (n-1)/g.
 * bilinear half-pixel: clamp((d+0.5)*n/m - 0.5, 0, n-1); one replicated element on each side turns the
 * clamp into tfjs's edge rule, and the position in the padded input, (2dn + n + m) / 2m, is
 * (stride*d + offset) / factor with the least factor making stride = factor*n/m and
 * offset = factor*(n+m)/2m integers.
 */
export function planAxis(
  n: number,
  m: number,
  mode: "nearest" | "bilinear",
  alignCorners: boolean,
): AxisResize {
  if (n === m) return { pad: 0, factor: 1, offset: 0, stride: 1, out: m };
  if (mode === "nearest") {
    const g = gcd(n, m);
    return { pad: 0, factor: m / g, offset: 0, stride: n / g, out: m };
  }
  if (alignCorners) {
    if (m === 1 || n === 1) return { pad: 0, factor: n === 1 ? m : 1, offset: 0, stride: 1, out: m };
    const g = gcd(n - 1, m - 1);
    return { pad: 0, factor: (m - 1) / g, offset: 0, stride: (n - 1) / g, out: m };
  }
  const a = m / gcd(m, n);
  const b = (2 * m) / gcd(2 * m, n + m);
  const factor = (a * b) / gcd(a, b);
  return { pad: 1, factor, offset: (factor * (n + m)) / (2 * m), stride: (factor * n) / m, out: m };
}

/**
 * Whether tfjs's nearest UpSampling2D by `factor` over `n` elements picks floor(j / factor) for every
 * j: its kernels compute floor(j * (n / (n*factor))), the ratio in float64 (cpu) or float32 (wasm,
 * webgl), which for some factors rounds below an integer (e.g. (1/49)*49 < 1 in float64).
 */
export function nearestRepeatExact(n: number, factor: number): boolean {
  const r64 = n / (n * factor);
  const r32 = Math.fround(r64);
  for (let j = 0; j < n * factor; j++) {
    const want = Math.floor(j / factor);
    if (Math.floor(j * r64) !== want || Math.floor(Math.fround(j * r32)) !== want) return false;
  }
  return true;
}

/**
 * A spatial resize of the node's first input to [h, w] with the dsl's rule, from built-in layers only
 * (see {@link planAxis}). Parts are named `<id>/pad*`, `<id>/repeat`, `<id>/crop`; the last layer
 * carries the node's id. Fails naming the node when tfjs's nearest repeat would not pick exactly.
 */
export function lowerResize(
  ctx: LowerContext,
  size: readonly [number, number],
  mode: "nearest" | "bilinear",
  alignCorners: boolean,
  x: tf.SymbolicTensor = only(ctx),
  inShape: readonly number[] = onlyShape(ctx),
): tf.SymbolicTensor {
  const [n0 = 1, n1 = 1] = inShape;
  const ay = planAxis(n0, size[0], mode, alignCorners);
  const ax = planAxis(n1, size[1], mode, alignCorners);
  if (mode === "nearest") {
    for (const [n, a] of [
      [n0, ay],
      [n1, ax],
    ] as const) {
      if (!nearestRepeatExact(n, a.factor)) {
        ctx.fail(
          "unsupported_params",
          `nearest resize ${n} -> ${a.out} needs tfjs's UpSampling2D by ${a.factor}, whose float ratio 1/${a.factor} misses floor(d*n/m) for some d, so no built-in layer resizes exactly like the reference`,
          "use the trainable target, or a size whose ratio is a power of two",
        );
      }
    }
  }
  // Each step gets a part name; the last one carries the node's own id.
  const steps: { part: string; make: (name: string) => tf.layers.Layer }[] = [];
  if (ay.factor > 1 || ax.factor > 1) {
    const size: [number, number] = [ay.factor, ax.factor];
    steps.push({
      part: "repeat",
      make: (name) => tf.layers.upSampling2d({ name, size, interpolation: mode }),
    });
  }
  const len = (n: number, a: AxisResize) => (n + 2 * a.pad) * a.factor;
  const span = (a: AxisResize) => (a.out - 1) * a.stride + 1;
  const cropY: [number, number] = [ay.offset, len(n0, ay) - ay.offset - span(ay)];
  const cropX: [number, number] = [ax.offset, len(n1, ax) - ax.offset - span(ax)];
  if (cropY[0] + cropY[1] + cropX[0] + cropX[1] > 0) {
    steps.push({ part: "crop", make: (name) => tf.layers.cropping2D({ name, cropping: [cropY, cropX] }) });
  }
  if (ay.stride > 1 || ax.stride > 1) {
    const strides: [number, number] = [ay.stride, ax.stride];
    steps.push({
      part: "pick",
      make: (name) => tf.layers.maxPooling2d({ name, poolSize: 1, strides, padding: "valid" }),
    });
  }
  let out = x;
  if (ay.pad > 0 || ax.pad > 0) {
    out = edgePad(ctx, out, { top: ay.pad, bottom: ay.pad, left: ax.pad, right: ax.pad });
  }
  steps.forEach(({ part, make }, i) => {
    out = apply(make(i === steps.length - 1 ? ctx.name() : ctx.name(part)), out);
  });
  return out;
}
