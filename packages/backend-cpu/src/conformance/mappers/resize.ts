import { resizeSource } from "@fusegraph/dsl";
import { attrInt, attrInts, attrString, inputValue, unknownAttribute } from "../attributes.js";
import { type MapContext, type Mapper, type MapResult, skip } from "../case-mapping.js";
import { imageCase, imageInput } from "./image.js";

/**
 * Resize and Upsample onto the DSL's upsample. ONNX describes a resize by a coordinate transform and a
 * rounding rule; the DSL by one rule per mode (nearest floor(d*n/m); bilinear half-pixel or
 * alignCorners). Rather than trusting that two formulas agree, the mapper computes ONNX's source
 * coordinate for every output index of this case and maps only when it equals the DSL's.
 */

interface AxisRule {
  transform: string;
  nearestMode: string;
  /** ONNX's scale for the axis (output/input), used by the transforms. */
  scale: number;
}

/** ONNX's source coordinate (onnx/reference/ops/op_resize.py), rounded for nearest, clamped for linear. */
function onnxSource(
  dst: number,
  n: number,
  m: number,
  mode: "nearest" | "bilinear",
  rule: AxisRule,
): number | undefined {
  const s = rule.scale;
  let x: number;
  switch (rule.transform) {
    case "half_pixel":
      x = (dst + 0.5) / s - 0.5;
      break;
    case "pytorch_half_pixel":
      x = m > 1 ? (dst + 0.5) / s - 0.5 : 0;
      break;
    case "half_pixel_symmetric": {
      const adjustment = m / (n * s);
      x = (n / 2) * (1 - adjustment) + (dst + 0.5) / s - 0.5;
      break;
    }
    case "align_corners":
      x = m === 1 ? 0 : (dst * (n - 1)) / (m - 1);
      break;
    case "asymmetric":
      x = dst / s;
      break;
    default:
      return undefined;
  }
  if (mode === "bilinear") return Math.min(n - 1, Math.max(0, x));
  let i: number;
  switch (rule.nearestMode) {
    case "round_prefer_floor":
      i = Math.ceil(x - 0.5);
      break;
    case "round_prefer_ceil":
      i = Math.floor(x + 0.5);
      break;
    case "floor":
      i = Math.floor(x);
      break;
    case "ceil":
      i = Math.ceil(x);
      break;
    default:
      return undefined;
  }
  return Math.min(n - 1, Math.max(0, i));
}

/** Whether ONNX and the DSL read the same source coordinate for every output index of one axis. */
function sameRule(
  n: number,
  m: number,
  mode: "nearest" | "bilinear",
  alignCorners: boolean,
  rule: AxisRule,
): boolean {
  for (let d = 0; d < m; d++) {
    const onnx = onnxSource(d, n, m, mode, rule);
    if (onnx === undefined || Math.abs(onnx - resizeSource(d, n, m, mode, alignCorners)) > 1e-9) return false;
  }
  return true;
}

/** Builds the upsample case from the per-axis [N, C, H, W] scales (or sizes) ONNX gives. */
function upsampleCase(
  ctx: MapContext,
  onnxMode: string,
  transform: string,
  nearestMode: string,
  scales: readonly number[] | undefined,
  sizes: readonly number[] | undefined,
): MapResult {
  const x = imageInput(ctx);
  if (typeof x === "string") return skip(x);
  const mode = onnxMode === "nearest" ? "nearest" : onnxMode === "linear" ? "bilinear" : undefined;
  if (!mode) return skip(`mode ${onnxMode}: the DSL's upsample has nearest and bilinear only`);
  const alignCorners = mode === "bilinear" && transform === "align_corners";
  const outDims: number[] = [];
  for (let axis = 0; axis < 4; axis++) {
    const n = x.dims[axis] as number;
    const m = sizes ? (sizes[axis] as number) : Math.floor(n * (scales?.[axis] as number));
    if (axis < 2 && m !== n)
      return skip(`resizing axis ${axis} (batch or channels): the DSL resizes H and W only`);
    if (axis >= 2) {
      const scale = scales ? (scales[axis] as number) : m / n;
      if (!sameRule(n, m, mode, alignCorners, { transform, nearestMode, scale })) {
        return skip(
          `${transform} ${mode === "nearest" ? `with ${nearestMode} ` : ""}at scale ${+scale.toFixed(4)} (${n} -> ${m}) reads other source pixels than the DSL's ${mode}${alignCorners ? " alignCorners" : ""} rule`,
        );
      }
    }
    outDims.push(m);
  }
  const [, , h, w] = x.dims;
  const [, , oh = 0, ow = 0] = outDims;
  const resize = oh % h === 0 && ow % w === 0 ? { factor: [oh / h, ow / w] } : { size: [oh, ow] };
  return imageCase(ctx, x, {
    y: { op: "upsample", input: "x", mode, ...resize, ...(mode === "bilinear" ? { alignCorners } : {}) },
  });
}

/** [N, C, H, W] values from a scales/sizes tensor, honouring `axes` (other axes keep 1 / their size). */
function perAxis(
  values: readonly number[],
  axes: number[] | undefined,
  fill: readonly number[],
): number[] | undefined {
  if (!axes) return values.length === 4 ? [...values] : undefined;
  if (axes.length !== values.length) return undefined;
  const out = [...fill];
  axes.forEach((a, i) => {
    out[a < 0 ? a + 4 : a] = values[i] as number;
  });
  return out;
}

const resize: Mapper = (ctx) => {
  const extra = unknownAttribute(ctx.node, [
    "mode",
    "coordinate_transformation_mode",
    "nearest_mode",
    "axes",
    "antialias",
    "cubic_coeff_a",
    "exclude_outside",
    "extrapolation_value",
    "keep_aspect_ratio_policy",
  ]);
  if (extra) return skip(`attribute ${extra} is not supported`);
  if (attrInt(ctx.node, "antialias", 0) !== 0) return skip("antialias=1 filters before resampling");
  if (attrInt(ctx.node, "exclude_outside", 0) !== 0) return skip("exclude_outside=1 (cubic only)");
  const policy = attrString(ctx.node, "keep_aspect_ratio_policy", "stretch");
  if (policy !== "stretch") return skip(`keep_aspect_ratio_policy ${policy}`);
  const transform = attrString(ctx.node, "coordinate_transformation_mode", "half_pixel");
  const x = inputValue(ctx, 0);
  const roi = inputValue(ctx, 1);
  if (roi && transform === "tf_crop_and_resize") return skip("tf_crop_and_resize crops by roi first");
  const scales = inputValue(ctx, 2);
  const sizes = inputValue(ctx, 3);
  const axes = attrInts(ctx.node, "axes");
  const ones = [1, 1, 1, 1];
  const s = scales && scales.values.length > 0 ? perAxis(Array.from(scales.values), axes, ones) : undefined;
  const z = sizes ? perAxis(Array.from(sizes.values), axes, x?.dims ?? ones) : undefined;
  if (!s && !z) return skip("neither scales nor sizes has a usable value");
  // NOTE: cubic_coeff_a and extrapolation_value only matter for cubic and tf_crop_and_resize, refused above.
  const nearestMode = attrString(ctx.node, "nearest_mode", "round_prefer_floor");
  return upsampleCase(ctx, attrString(ctx.node, "mode", "nearest"), transform, nearestMode, s, z);
};

/** Upsample (opset 7-9, deprecated): scales input, asymmetric coordinates, nearest rounds down. */
const upsample: Mapper = (ctx) => {
  const extra = unknownAttribute(ctx.node, ["mode", "scales"]);
  if (extra) return skip(`attribute ${extra} is not supported`);
  const fromAttr = ctx.node.attributes.get("scales");
  const scales = fromAttr?.type === "floats" ? fromAttr.value : Array.from(inputValue(ctx, 1)?.values ?? []);
  if (scales.length !== 4) return skip("scales is missing or not [N, C, H, W]");
  // NOTE: Upsample's nearest is floor(d / scale): Resize's asymmetric transform with nearest_mode floor.
  return upsampleCase(ctx, attrString(ctx.node, "mode", "nearest"), "asymmetric", "floor", scales, undefined);
};

export const resizeMappers = { Resize: resize, Upsample: upsample } satisfies Record<string, Mapper>;
