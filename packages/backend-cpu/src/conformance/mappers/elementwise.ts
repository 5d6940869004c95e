import type { NodeSpec } from "@fusegraph/dsl";
import { asSingleExample, attrFloat, attrInt, inputValue, unknownAttribute } from "../attributes.js";
import { type MapContext, type Mapper, type MapResult, mapped, skip } from "../case-mapping.js";
import { reshape } from "../layout.js";

/**
 * Elementwise ops, Concat, Softmax and Flatten. These are layout-free, so the ONNX tensor is fed as it
 * is: one example (batch 1) whose shape is the whole ONNX shape. An ONNX axis k then is our axis k.
 */

/** One node over inputs fed whole; the output is read back by dropping the batch of 1. */
function wholeTensorCase(ctx: MapContext, node: NodeSpec, arity: number): MapResult {
  const feeds: Record<string, ReturnType<typeof asSingleExample>> = {};
  const inputs: Record<string, number[]> = {};
  const ids: string[] = [];
  for (let i = 0; i < arity; i++) {
    const t = inputValue(ctx, i);
    if (!t) return skip(`input ${i} has no value in the data set`);
    if (t.dims.length === 0) return skip(`input ${i} is a scalar; fusegraph inputs have rank >= 1`);
    const id = `in${i}`;
    inputs[id] = [...t.dims];
    feeds[id] = asSingleExample(t);
    ids.push(id);
  }
  const spec: NodeSpec = arity === 1 ? { ...node, input: "in0" } : { ...node, inputs: ids };
  return mapped({
    doc: { fusegraph: 1, name: `onnx-${ctx.node.opType}`, inputs, nodes: { y: spec }, outputs: ["y"] },
    weights: new Map(),
    feeds,
    outputs: [{ id: "y", toOnnx: (t) => reshape(t, t.shape.slice(1)) }],
  });
}

function activation(fn: "relu" | "sigmoid" | "tanh"): Mapper {
  return (ctx) => {
    const extra = unknownAttribute(ctx.node, []);
    if (extra) return skip(`attribute ${extra} is not supported`);
    return wholeTensorCase(ctx, { op: "activation", fn }, 1);
  };
}

const leakyRelu: Mapper = (ctx) => {
  const extra = unknownAttribute(ctx.node, ["alpha"]);
  if (extra) return skip(`attribute ${extra} is not supported`);
  return wholeTensorCase(
    ctx,
    { op: "activation", fn: "leakyRelu", alpha: attrFloat(ctx.node, "alpha", 0.01) },
    1,
  );
};

const softmax: Mapper = (ctx) => {
  const extra = unknownAttribute(ctx.node, ["axis"]);
  if (extra) return skip(`attribute ${extra} is not supported`);
  // NOTE: before opset 13 Softmax flattened every axis from `axis` on into one; the DSL normalises one axis.
  if (ctx.opset < 13)
    return skip(`Softmax-${ctx.opset} normalises over flattened trailing axes, not one axis`);
  return wholeTensorCase(ctx, { op: "activation", fn: "softmax", axis: attrInt(ctx.node, "axis", -1) }, 1);
};

/** Add and Mul without broadcasting: the DSL's merges take identical shapes. */
function sameShapeMerge(node: NodeSpec): Mapper {
  return (ctx) => {
    const extra = unknownAttribute(ctx.node, []);
    if (extra) return skip(`attribute ${extra} is not supported`);
    const [a, b] = [inputValue(ctx, 0), inputValue(ctx, 1)];
    if (a && b && a.dims.join(",") !== b.dims.join(",")) {
      return skip(`broadcasting [${a.dims}] with [${b.dims}]: fusegraph merges take identical shapes`);
    }
    return wholeTensorCase(ctx, node, 2);
  };
}

const concat: Mapper = (ctx) => {
  const extra = unknownAttribute(ctx.node, ["axis"]);
  if (extra) return skip(`attribute ${extra} is not supported`);
  return wholeTensorCase(
    ctx,
    { merge: "concat", axis: attrInt(ctx.node, "axis", 0) },
    ctx.node.inputs.length,
  );
};

/**
 * Flatten(axis k) is [prod(d[:k]), prod(d[k:])]. The DSL's flatten keeps the batch axis and flattens
 * each example, so the leading k dims are fed as the batch (a reshape of the same row-major data).
 */
const flatten: Mapper = (ctx) => {
  const extra = unknownAttribute(ctx.node, ["axis"]);
  if (extra) return skip(`attribute ${extra} is not supported`);
  const x = inputValue(ctx, 0);
  if (!x) return skip("input 0 has no value in the data set");
  const rank = x.dims.length;
  const raw = attrInt(ctx.node, "axis", 1);
  const k = raw < 0 ? raw + rank : raw;
  if (k < 0 || k >= rank) return skip(`axis ${raw} leaves no dims to flatten per example`);
  const lead = x.dims.slice(0, k).reduce((p, d) => p * d, 1);
  const rest = x.dims.slice(k);
  return mapped({
    doc: {
      fusegraph: 1,
      name: "onnx-Flatten",
      inputs: { x: rest },
      nodes: { y: { op: "flatten", input: "x" } },
      outputs: ["y"],
    },
    weights: new Map(),
    feeds: { x: { shape: [lead, ...rest], data: Float32Array.from(x.values) } },
    outputs: [{ id: "y", toOnnx: (t) => t }],
  });
};

export const elementwiseMappers = {
  Relu: activation("relu"),
  Sigmoid: activation("sigmoid"),
  Tanh: activation("tanh"),
  LeakyRelu: leakyRelu,
  Softmax: softmax,
  Add: sameShapeMerge({ merge: "add" }),
  Mul: sameShapeMerge({ op: "multiply" }),
  Concat: concat,
  Flatten: flatten,
} satisfies Record<string, Mapper>;
