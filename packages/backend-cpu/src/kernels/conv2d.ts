import { toPair, window2d } from "@fusegraph/dsl";
import { type ConvGeom, convRows, packedSize, packWeights } from "../gemm.js";
import { sharedFloats } from "../tensor.js";
import type { WasmContext } from "../wasm/context.js";
import { wasmConv } from "../wasm/conv.js";
import { LINEAR } from "./activate.js";
import type { Compute, FoldedBatchNorm, FusedActivation, KernelArgs, Runtime } from "./types.js";

/** The epilogue of a GEMM-backed conv besides bias and activation. */
export interface ConvFusion {
  batchNorm?: FoldedBatchNorm;
  /** The conv's output is added to input 1 (a residual) before the activation. */
  residual?: boolean;
}

/** Below this many MACs the worker hand-off costs more than it saves. */
const PARALLEL_MACS = 1 << 21;

/**
 * A prepared GEMM-backed conv: folded weights packed once, geometry, fused epilogue. With a WebAssembly
 * context it runs on the SIMD kernels in that context's memory, otherwise on the plain-JS GEMM.
 */
export function gemmConv(
  g: ConvGeom,
  kernel: Float32Array,
  bias: Float32Array | undefined,
  fusion: ConvFusion,
  activation: FusedActivation,
  wasm?: WasmContext,
): Compute {
  const { batchNorm } = fusion;
  const b = sharedFloats(g.F);
  if (bias) b.set(bias);
  if (batchNorm) for (let f = 0; f < g.F; f++) b[f] = b[f]! * batchNorm.scale[f]! + batchNorm.shift[f]!;
  const geom: ConvGeom = {
    ...g,
    hasBias: bias !== undefined || batchNorm !== undefined,
    hasRes: fusion.residual === true,
    act: activation.code,
    alpha: activation.alpha,
  };
  // NOTE: the batchNorm scale is applied while packing: no scaled copy of the kernel is ever made.
  if (wasm) return wasmConv(geom, kernel, b, wasm, batchNorm?.scale);
  const w = sharedFloats(packedSize(g, 4));
  packWeights(kernel, g, 4, w, batchNorm?.scale);
  const macsPerRow = g.kh * g.kw * g.cinG * g.F;
  return {
    run(inputs: readonly Float32Array[], y: Float32Array, batch: number, rt: Runtime) {
      const x = inputs[0]!;
      const res = geom.hasRes ? inputs[1]! : y;
      const m = batch * geom.outH * geom.outW;
      const pool = m * macsPerRow >= PARALLEL_MACS ? rt.pool() : undefined;
      if (pool && m >= 2 * pool.threads) pool.conv({ x, w, bias: b, res, y, g: geom }, m);
      else convRows(x, 0, w, 0, b, 0, res, 0, y, 0, geom, 0, m, rt.scratch);
    },
  };
}

/**
 * conv2d through im2col + packed GEMM, with what the fusion plan hands it: a folded batchNorm, a residual
 * (input 1) added before the activation, the activation itself, and the WebAssembly context to run on.
 */
export function conv2d({
  node,
  inputShapes,
  weight,
  activation = LINEAR,
  batchNorm,
  residual,
  wasm,
}: KernelArgs<"conv2d">): Compute {
  const p = node.params;
  const [H = 0, W = 0, C = 0] = inputShapes[0] ?? [];
  const [kh, kw] = toPair(p.kernelSize);
  const [sh, sw] = toPair(p.strides);
  const [dh, dw] = toPair(p.dilation);
  const { outH, outW, pads } = window2d([H, W], p.kernelSize, p.strides, p.dilation, p.padding);
  const g: ConvGeom = {
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
    padT: pads.top,
    padL: pads.left,
    groups: p.groups,
    cinG: C / p.groups,
    F: p.filters,
    fG: p.filters / p.groups,
    act: 0,
    alpha: 0,
    hasBias: false,
    hasRes: false,
  };
  const fusion: ConvFusion = { ...(batchNorm ? { batchNorm } : {}), residual: residual === true };
  return gemmConv(g, weight("kernel"), p.useBias ? weight("bias") : undefined, fusion, activation, wasm);
}
conv2d.fuses = { activation: true, batchNorm: true, residual: true };
