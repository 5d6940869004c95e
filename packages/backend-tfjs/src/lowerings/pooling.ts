import { type PoolParams, poolStrides, poolWindow, toPair } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { Pool2d } from "../layers/pool.js";
import { apply, type LowerContext, only, onlyShape } from "../lowering.js";

/**
 * tfjs's pooling layers where they match the dsl's rule (dilation 1, `valid`/`same`, no partial
 * ceilMode window, pads excluded from an average); {@link Pool2d} otherwise.
 */
export function lowerPool(
  pool: "max" | "avg",
  p: PoolParams,
  countIncludePad: boolean,
  ctx: LowerContext,
): tf.SymbolicTensor {
  const poolSize = toPair(p.poolSize);
  const strides = toPair(poolStrides(p));
  const dilation = toPair(p.dilation);
  const exact = poolWindow(onlyShape(ctx), p);
  const floor = poolWindow(onlyShape(ctx), { ...p, ceilMode: false });
  const padded = exact.pads.top + exact.pads.bottom + exact.pads.left + exact.pads.right > 0;
  const native =
    dilation[0] === 1 &&
    dilation[1] === 1 &&
    (p.padding === "valid" || p.padding === "same") &&
    exact.outH === floor.outH &&
    exact.outW === floor.outW &&
    !(pool === "avg" && countIncludePad && padded);
  const name = ctx.name();
  if (native) {
    const args = { name, poolSize, strides, padding: p.padding as "valid" | "same" };
    return apply(pool === "max" ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args), only(ctx));
  }
  const { pads } = exact;
  const layer = new Pool2d({
    name,
    pool,
    poolSize,
    strides,
    dilation,
    pads: [pads.top, pads.bottom, pads.left, pads.right],
    outSize: [exact.outH, exact.outW],
    countIncludePad,
  });
  return apply(layer, only(ctx));
}

/** Global pools; with keepDims the pool is part `<id>/pool` and a reshape to [1,1,C] carries the id. */
export function lowerGlobal(pool: "max" | "avg", keepDims: boolean, ctx: LowerContext): tf.SymbolicTensor {
  const c = onlyShape(ctx)[2] ?? 0;
  const args = { name: keepDims ? ctx.name("pool") : ctx.name() };
  const layer = pool === "max" ? tf.layers.globalMaxPooling2d(args) : tf.layers.globalAveragePooling2d(args);
  const y = apply(layer, only(ctx));
  return keepDims ? apply(tf.layers.reshape({ name: ctx.name(), targetShape: [1, 1, c] }), y) : y;
}
