import { z } from "zod";
import type { Shape } from "../shape.js";
import { add } from "./add.js";
import { batchNorm } from "./batchNorm.js";
import { checkRank, inputLabel, kerasKernel, nodeLabel, zerosBias } from "./common.js";
import { conv2d } from "./conv2d.js";
import { type CostArgs, defineOp, type ExpandedNode, type Expansion, type WeightSpec } from "./define-op.js";
import { BILINEAR_FLOPS, upsample } from "./upsample.js";

const params = z
  .strictObject({
    channels: z.number().int().positive(),
    /** Which inputs get a 1x1 projection: those whose channels differ, all, or these input indices (0-based). */
    project: z
      .union([z.enum(["mismatched", "all"]), z.array(z.number().int().nonnegative())])
      .default("mismatched"),
    useBias: z.boolean().default(true),
    norm: z.enum(["none", "batchNorm"]).default("none"),
    resize: z.enum(["nearest", "bilinear"]).default("nearest"),
    alignCorners: z.boolean().default(false),
    /** Resize before projecting (cheaper projections run at the small size when false, the default). */
    resizeFirst: z.boolean().default(false),
  })
  .refine((p) => !p.alignCorners || p.resize === "bilinear", {
    message: "alignCorners applies to resize: bilinear only",
    path: ["alignCorners"],
  })
  .refine((p) => !Array.isArray(p.project) || new Set(p.project).size === p.project.length, {
    message: "project lists an input index twice",
    path: ["project"],
  });
export type Conv1x1AddParams = z.infer<typeof params>;

/** Indices of the inputs that get a 1x1 projection. */
export function projectedInputs(inputs: readonly Shape[], p: Conv1x1AddParams): Set<number> {
  if (p.project === "all") return new Set(inputs.map((_, i) => i));
  if (p.project === "mismatched")
    return new Set(inputs.flatMap((s, i) => (s[s.length - 1] === p.channels ? [] : [i])));
  return new Set(p.project);
}

/** Largest H and largest W over the inputs: the size every input is resized to. */
export function targetSize(inputs: readonly Shape[]): [number, number] {
  return [Math.max(...inputs.map((s) => s[0] ?? 0)), Math.max(...inputs.map((s) => s[1] ?? 0))];
}

function needsResize(s: Shape, [h, w]: [number, number]): boolean {
  return s[0] !== h || s[1] !== w;
}

function projectionMacs({ inputs, params: p }: CostArgs<Conv1x1AddParams>): number {
  const target = targetSize(inputs);
  let macs = 0;
  for (const i of projectedInputs(inputs, p)) {
    const [h = 0, w = 0, c = 0] = inputs[i] ?? [];
    const positions = p.resizeFirst ? target[0] * target[1] : h * w;
    macs += positions * c * p.channels;
  }
  return macs;
}

/** See `doc` and `details` (rendered into docs/ops.md). */
export const conv1x1Add = defineOp({
  kind: "conv1x1Add",
  category: "merge",
  doc: "1x1-project (+batchNorm) and resize inputs to [Hmax,Wmax,channels], then add (Lin et al. 2017, FPN); weights proj{i}/kernel [1,1,C_i,channels], proj{i}/bias, proj{i}/bn/*; MACs sum (H_i*W_i)*C_i*channels.",
  details:
    "Merge of inputs that differ in channels and size: each projected input gets a 1x1 conv to `channels` (+ batchNorm with `norm`), each input smaller than the largest H,W is resized to it (`nearest` or `bilinear`, after projecting, or before with `resizeFirst`), then all are summed. FPN's lateral 1x1 plus top-down upsample and add (Lin et al., 2017); ResNet's projection shortcut (He et al., 2016). Shape: n >= 2 [H_i,W_i,C_i] -> [Hmax, Wmax, channels]. Weights per projected input i (0-based): `proj{i}/kernel` [1,1,C_i,channels], `proj{i}/bias` [channels], `proj{i}/bn/{gamma,beta,movingMean,movingVariance}`. MACs: sum over projected inputs of (H_i*W_i, or Hmax*Wmax with resizeFirst)*C_i*channels. Flops: 2*MACs + bias adds + 2/element batchNorm + 7/output element bilinear resize + (n-1) adds per output element. Expands to conv2d (-> batchNorm) -> upsample -> add.",
  params,
  arity: { min: 2, max: 64 },
  inferShape(inputs, p, ctx) {
    const label = nodeLabel(ctx, "conv1x1Add", "merge");
    let ok = true;
    inputs.forEach((s, i) => {
      ok =
        checkRank(ctx, "conv1x1Add", s, 3, "[H,W,C]", { index: i, single: false, category: "merge" }) && ok;
    });
    if (!ok) return undefined;
    if (Array.isArray(p.project)) {
      const bad = p.project.filter((i) => i >= inputs.length);
      if (bad.length > 0) {
        ctx.issue(
          "invalid_params",
          `${label}: project lists input indices ${bad.join(", ")}, but there are ${inputs.length} inputs`,
          {
            path: ["project"],
            expected: `indices in [0, ${inputs.length - 1}] (0-based)`,
            received: JSON.stringify(p.project),
          },
        );
        return undefined;
      }
    }
    const projected = projectedInputs(inputs, p);
    inputs.forEach((s, i) => {
      const c = s[2];
      if (projected.has(i) || c === p.channels) return;
      ok = false;
      ctx.issue(
        "shape_mismatch",
        `${label}: ${inputLabel(ctx, i)} has ${c} channels and is not projected, expected ${p.channels} channels`,
        {
          path: ["inputs", i],
          expected: `${p.channels} channels`,
          received: `${c} channels`,
          hint: `project: all, or channels: ${c}`,
        },
      );
    });
    if (!ok) return undefined;
    const [h, w] = targetSize(inputs);
    return [h, w, p.channels];
  },
  weights({ inputs, params: p }) {
    const out: WeightSpec[] = [];
    for (const i of [...projectedInputs(inputs, p)].sort((a, b) => a - b)) {
      const c = inputs[i]?.[2] ?? 0;
      out.push(kerasKernel(`proj${i}/kernel`, [1, 1, c, p.channels]));
      if (p.useBias) out.push(zerosBias(`proj${i}/bias`, p.channels));
      if (p.norm === "batchNorm") {
        const bn = batchNorm.weights({
          inputs: [[p.channels]],
          params: batchNorm.params.parse({}),
          output: [p.channels],
        });
        for (const w of bn) out.push({ ...w, name: `proj${i}/bn/${w.name}` });
      }
    }
    return out;
  },
  macs: projectionMacs,
  flops(args) {
    const { inputs, params: p } = args;
    const target = targetSize(inputs);
    const outSize = target[0] * target[1] * p.channels;
    let flops = 2 * projectionMacs(args) + (inputs.length - 1) * outSize;
    const projected = projectedInputs(inputs, p);
    inputs.forEach((s, i) => {
      const [h = 0, w = 0, c = 0] = s;
      const projSize = (p.resizeFirst ? target[0] * target[1] : h * w) * p.channels;
      if (projected.has(i)) flops += ((p.useBias ? 1 : 0) + (p.norm === "batchNorm" ? 2 : 0)) * projSize;
      if (needsResize(s, target) && p.resize === "bilinear") {
        const channels = p.resizeFirst || !projected.has(i) ? c : p.channels;
        flops += BILINEAR_FLOPS * target[0] * target[1] * channels;
      }
    });
    return flops;
  },
  expand({ id, inputs: ids }, p, inputs): Expansion {
    const target = targetSize(inputs);
    const projected = projectedInputs(inputs, p);
    const nodes: ExpandedNode[] = [];
    const weights: Record<string, string> = {};
    const resize = (i: number, from: string): string => {
      const rid = `${id}/resize${i}`;
      nodes.push({
        id: rid,
        kind: "upsample",
        inputs: [from],
        params: upsample.params.parse({ size: target, mode: p.resize, alignCorners: p.alignCorners }),
      });
      return rid;
    };
    const project = (i: number, from: string): string => {
      const pid = `${id}/proj${i}`;
      nodes.push({
        id: pid,
        kind: "conv2d",
        inputs: [from],
        params: conv2d.params.parse({ filters: p.channels, kernelSize: 1, useBias: p.useBias }),
      });
      weights[`proj${i}/kernel`] = `${pid}/kernel`;
      if (p.useBias) weights[`proj${i}/bias`] = `${pid}/bias`;
      if (p.norm !== "batchNorm") return pid;
      const bid = `${pid}/bn`;
      nodes.push({ id: bid, kind: "batchNorm", inputs: [pid], params: batchNorm.params.parse({}) });
      for (const name of ["gamma", "beta", "movingMean", "movingVariance"])
        weights[`proj${i}/bn/${name}`] = `${bid}/${name}`;
      return bid;
    };
    const summands = ids.map((x, i) => {
      const s = inputs[i] ?? [];
      let cur = x;
      const resized = needsResize(s, target);
      if (resized && p.resizeFirst) cur = resize(i, cur);
      if (projected.has(i)) cur = project(i, cur);
      if (resized && !p.resizeFirst) cur = resize(i, cur);
      return cur;
    });
    nodes.push({ id, kind: "add", inputs: summands, params: add.params.parse({}) });
    return { nodes, weights };
  },
});
