import type { NodeSpec, TensorData } from "@fusegraph/dsl";
import { asSingleExample, attrFloat, attrInt, inputValue, unknownAttribute } from "../attributes.js";
import { type MapContext, type Mapper, type MapResult, mapped, skip } from "../case-mapping.js";
import { reshape } from "../layout.js";
import type { OnnxTensor } from "../onnx.js";

/**
 * Gemm (Y = alpha*A'B' + beta*C) and MatMul onto dense. B is a graph input in the ONNX cases, but its
 * value is fixed by the data set, so it becomes the dense kernel (fusegraph weights are constants of a
 * prepared graph); alpha is folded into the kernel and beta*C into the bias, both exact up to one
 * float rounding. A stays the runtime input, fed whole as one example ([M, K]).
 */

/** [K, N] with `scale` folded in, from B [K, N] or, transposed, [N, K]. */
function kernelOf(b: OnnxTensor, transpose: boolean, scale: number): TensorData {
  const [r = 0, c = 0] = b.dims;
  const [k, n] = transpose ? [c, r] : [r, c];
  const data = new Float32Array(k * n);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < n; j++)
      data[i * n + j] = scale * (b.values[transpose ? j * c + i : i * c + j] as number);
  }
  return { shape: [k, n], data };
}

const gemm: Mapper = (ctx) => {
  const extra = unknownAttribute(ctx.node, ["alpha", "beta", "transA", "transB"]);
  if (extra) return skip(`attribute ${extra} is not supported`);
  const a = inputValue(ctx, 0);
  const b = inputValue(ctx, 1);
  if (a?.dims.length !== 2 || b?.dims.length !== 2)
    return skip("A and B must be matrices with values in the data set");
  const alpha = attrFloat(ctx.node, "alpha", 1);
  const beta = attrFloat(ctx.node, "beta", 1);
  const transA = attrInt(ctx.node, "transA", 0) === 1;
  const kernel = kernelOf(b, attrInt(ctx.node, "transB", 0) === 1, alpha);
  const [k = 0, n = 0] = kernel.shape;
  const [m = 0] = transA ? a.dims.slice(1) : a.dims;
  if ((transA ? a.dims[0] : a.dims[1]) !== k) return skip(`A [${a.dims}] and B [${b.dims}] do not chain`);

  const c = inputValue(ctx, 2);
  if ((ctx.node.inputs[2] ?? "") !== "" && !c) return skip("C has no value in the data set");
  const cSize = c ? c.values.length : 0;
  const cDims = c?.dims ?? [];
  const vectorC = c !== undefined && (cSize === 1 || (cSize === n && (cDims.length === 1 || cDims[0] === 1)));
  const matrixC = c !== undefined && !vectorC && cDims.length === 2 && cDims[0] === m && cDims[1] === n;
  if (c && !vectorC && !matrixC)
    return skip(`C of dims [${cDims}] broadcasts along M, not expressible as a bias`);

  const weights = new Map<string, TensorData>();
  const nodes: Record<string, NodeSpec> = {};
  const inputs: Record<string, number[]> = {};
  const feeds: Record<string, TensorData> = {};
  const mm = matrixC ? "mm" : "y";
  if (transA) {
    // NOTE: A' = A^T contracts A's first axis. A [K, M] is fed as an image [K, M, 1]; a K x 1 valid
    // conv2d with kernel[k,0,0,n] = alpha*B'[k,n] computes sum_k A[k,m]*B'[k,n] at (0, m, n): a real
    // DSL op doing the matmul, no transpose of the data at the boundary.
    inputs.a = [k, m, 1];
    feeds.a = { shape: [1, k, m, 1], data: Float32Array.from(a.values) };
    nodes[mm] = { op: "conv2d", input: "a", filters: n, kernelSize: [k, 1], useBias: vectorC };
    weights.set(`${mm}/kernel`, reshape(kernel, [k, 1, 1, n]));
  } else {
    inputs.a = [m, k];
    feeds.a = asSingleExample(a);
    nodes[mm] = { op: "dense", input: "a", units: n, useBias: vectorC };
    weights.set(`${mm}/kernel`, kernel);
  }
  if (c && vectorC) {
    weights.set(`${mm}/bias`, {
      shape: [n],
      data: Float32Array.from({ length: n }, (_, j) => beta * (c.values[cSize === 1 ? 0 : j] as number)),
    });
  }
  if (c && matrixC) {
    // C [M, N] is per row, so it stays a runtime input joined by an add merge; beta scales it through
    // a dense with kernel beta*I (exact: every other product is a zero).
    const perExample = transA ? [1, m, n] : [m, n];
    inputs.c = perExample;
    feeds.c = { shape: [1, ...perExample], data: Float32Array.from(c.values) };
    let cRef = "c";
    if (beta !== 1) {
      const eye = new Float32Array(n * n);
      for (let j = 0; j < n; j++) eye[j * n + j] = beta;
      nodes.cScaled = { op: "dense", input: "c", units: n, useBias: false };
      weights.set("cScaled/kernel", { shape: [n, n], data: eye });
      cRef = "cScaled";
    }
    nodes.y = { merge: "add", inputs: [mm, cRef] };
  }
  return mapped({
    doc: { fusegraph: 1, name: "onnx-Gemm", inputs, nodes, outputs: ["y"] },
    weights,
    feeds,
    outputs: [{ id: "y", toOnnx: (t) => reshape(t, [m, n]) }],
  });
};

/** MatMul with a 2-D B: dense on A's last axis, A of any rank >= 2 fed whole. */
const matMul: Mapper = (ctx: MapContext): MapResult => {
  const extra = unknownAttribute(ctx.node, []);
  if (extra) return skip(`attribute ${extra} is not supported`);
  const a = inputValue(ctx, 0);
  const b = inputValue(ctx, 1);
  if (!a || !b) return skip("A or B has no value in the data set");
  if (b.dims.length !== 2) return skip(`B of rank ${b.dims.length}: batched matmul has no DSL op`);
  if (a.dims.length < 2) return skip("A of rank 1: the DSL's dense keeps the contracted axis's rank");
  const [k = 0, n = 0] = b.dims;
  if (a.dims[a.dims.length - 1] !== k) return skip(`A [${a.dims}] and B [${b.dims}] do not chain`);
  const outDims = [...a.dims.slice(0, -1), n];
  return mapped({
    doc: {
      fusegraph: 1,
      name: "onnx-MatMul",
      inputs: { a: [...a.dims] },
      nodes: { y: { op: "dense", input: "a", units: n, useBias: false } },
      outputs: ["y"],
    },
    weights: new Map([["y/kernel", kernelOf(b, false, 1)]]),
    feeds: { a: asSingleExample(a) },
    outputs: [{ id: "y", toOnnx: (t) => reshape(t, outDims) }],
  });
};

export const gemmMappers = { Gemm: gemm, MatMul: matMul } satisfies Record<string, Mapper>;
