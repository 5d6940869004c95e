import { type PoolParams, poolStrides, poolWindow, toPair, window2d } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { apply, type LowerContext, only, onlyShape } from "../lowering.js";
import { zeroPad } from "../lowerings/window.js";
import { edgePad } from "./edge-pad.js";

/**
 * maxPool / avgPool from built-in layers:
 * - `valid`/`same` without a partial ceilMode window: tfjs's pooling layers (same rule, pads excluded);
 * - max with explicit pads or ceilMode: the border repeated into the pads ({@link edgePad}), then `valid`
 *   (exact while every window overlaps the input, which the checks below require);
 * - avg counting pads: zero padding, then `valid`; avg excluding explicit pads: tfjs's `same` when the
 *   pads are TF's `same` split.
 * Anything else (dilation, windows entirely in padding, a partial avg window) has no built-in
 * equivalent and fails naming the node.
 */
export function lowerPortablePool(
  pool: "max" | "avg",
  p: PoolParams,
  countIncludePad: boolean,
  ctx: LowerContext,
): tf.SymbolicTensor {
  const kind = pool === "max" ? "maxPool" : "avgPool";
  const poolSize = toPair(p.poolSize);
  const strides = toPair(poolStrides(p));
  const dilation = toPair(p.dilation);
  const [h = 0, w = 0] = onlyShape(ctx);
  if (dilation.some((d) => d > 1)) {
    ctx.fail(
      "unsupported_params",
      `${kind} with dilation [${dilation.join(",")}]: tfjs's pooling layers have no dilation`,
      "use the trainable target, or dilation 1",
    );
  }
  const exact = poolWindow([h, w], p);
  const floor = poolWindow([h, w], { ...p, ceilMode: false });
  const partial = exact.outH !== floor.outH || exact.outW !== floor.outW;
  const { pads } = exact;
  const padded = pads.top + pads.bottom + pads.left + pads.right > 0;
  const layer = (padding: "valid" | "same") => {
    const args = { name: ctx.name(), poolSize, strides, padding };
    return pool === "max" ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args);
  };
  const builtinPadding = p.padding === "valid" || p.padding === "same" ? p.padding : undefined;
  if (builtinPadding && !partial && !(pool === "avg" && countIncludePad && padded)) {
    return apply(layer(builtinPadding), only(ctx));
  }
  if (pool === "avg") {
    if (countIncludePad && !partial) return apply(layer("valid"), zeroPad(ctx, only(ctx), pads, "pad"));
    const same = window2d([h, w], poolSize, strides, 1, "same").pads;
    const sameSplit =
      same.top === pads.top &&
      same.bottom === pads.bottom &&
      same.left === pads.left &&
      same.right === pads.right;
    if (!countIncludePad && !partial && sameSplit) return apply(layer("same"), only(ctx));
    ctx.fail(
      "unsupported_params",
      partial
        ? "avgPool with a partial ceilMode window: its divisor counts only the covered positions, which no tfjs pooling layer does"
        : `avgPool excluding explicit pads [${pads.top},${pads.bottom},${pads.left},${pads.right}] that are not TF's "same" split: tfjs's average pooling excludes pads only for "same"`,
      "use the trainable target, padding: same, or countIncludePad: true",
    );
  }
  // Max: each window must overlap the input, so the repeated border is one of its own elements.
  const axis = (n: number, k: number, s: number, before: number, out: number) => {
    const last = (out - 1) * s - before;
    return { ok: before <= k - 1 && last <= n - 1, after: Math.max(0, (out - 1) * s + k - before - n) };
  };
  const y = axis(h, poolSize[0], strides[0], pads.top, exact.outH);
  const x = axis(w, poolSize[1], strides[1], pads.left, exact.outW);
  if (!y.ok || !x.ok) {
    ctx.fail(
      "unsupported_params",
      `maxPool pads [${pads.top},${pads.bottom},${pads.left},${pads.right}] leave a window with no input element; no tfjs layer pads with -inf`,
      "use the trainable target, or pads smaller than the window",
    );
  }
  const input = edgePad(ctx, only(ctx), { top: pads.top, bottom: y.after, left: pads.left, right: x.after });
  return apply(layer("valid"), input);
}
