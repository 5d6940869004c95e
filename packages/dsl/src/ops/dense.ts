import { z } from "zod";
import { numel } from "../shape.js";
import { checkRank, kerasKernel, zerosBias } from "./common.js";
import { type CostArgs, defineOp } from "./define-op.js";

const params = z.strictObject({
  units: z.number().int().positive(),
  useBias: z.boolean().default(true),
});
export type DenseParams = z.infer<typeof params>;

function denseMacs({ inputs: [x], params: p }: CostArgs<DenseParams>): number {
  return numel(x ?? []) * p.units;
}

/** See `doc` and `details` (rendered into docs/ops.md). */
export const dense = defineOp({
  kind: "dense",
  category: "primitive",
  doc: "Fully connected on the last axis: [..., F] -> [..., units]; kernel [F,units], bias [units]; MACs prod(leading)*F*units.",
  details:
    "Fully connected layer on the last axis (the perceptron layer; Rosenblatt, 1958), Keras Dense. Shape: [..., F] -> [..., units]. Kernel [F, units] (glorotUniform), bias [units] (zeros). Params: F*units (+ units). MACs: prod(leading)*F*units. Flops: 2*MACs + prod(leading)*units bias adds.",
  params,
  arity: 1,
  inferShape([x], p, ctx) {
    if (!checkRank(ctx, "dense", x, { min: 1 }, "[..., F]")) return undefined;
    return [...x.slice(0, -1), p.units];
  },
  weights({ inputs: [x], params: p }) {
    const kernel = kerasKernel("kernel", [x?.[x.length - 1] ?? 0, p.units]);
    return p.useBias ? [kernel, zerosBias("bias", p.units)] : [kernel];
  },
  macs: denseMacs,
  flops: (args) => 2 * denseMacs(args) + (args.params.useBias ? numel(args.output) : 0),
});
