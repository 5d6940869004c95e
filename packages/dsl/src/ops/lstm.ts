import { z } from "zod";
import { ACTIVATION_FLOPS, checkRank, kerasKernel } from "./common.js";
import { type CostArgs, defineOp } from "./define-op.js";

const params = z.strictObject({
  units: z.number().int().positive(),
  returnSequences: z.boolean().default(false),
  unitForgetBias: z.boolean().default(true),
});
export type LstmParams = z.infer<typeof params>;

function lstmMacs({ inputs: [x], params: p }: CostArgs<LstmParams>): number {
  const [t = 0, f = 0] = x ?? [];
  const g = 4 * p.units;
  return t * (f * g + p.units * g);
}

/**
 * Per step and unit beyond the matmuls: 4 adds joining the input and recurrent products, 4 bias adds,
 * 3 sigmoids, 2 tanh, c = f*c + i*g (3) and h = o*tanh(c) (1).
 */
const STEP_FLOPS_PER_UNIT = 4 + 4 + 3 * ACTIVATION_FLOPS.sigmoid + 2 * ACTIVATION_FLOPS.tanh + 3 + 1;

/** See `doc` and `details` (rendered into docs/ops.md). */
export const lstm = defineOp({
  kind: "lstm",
  category: "primitive",
  doc: "LSTM (Hochreiter & Schmidhuber 1997), Keras gate order i,f,c,o: [T,F] -> [units] or [T,units]; kernel [F,4u], recurrentKernel [u,4u], bias [4u]; MACs T*(F*4u+u*4u).",
  details:
    "Long short-term memory (Hochreiter & Schmidhuber, 1997; forget gate of Gers et al., 2000), Keras LSTM with gates in the order i, f, c, o, sigmoid gates and tanh cell; the state starts at zero. Shape: [T,F] -> [units], or [T,units] with `returnSequences`. Weights: kernel [F,4u] (glorotUniform), recurrentKernel [u,4u] (orthogonal), bias [4u] (ones on the forget slice with unitForgetBias, as Jozefowicz et al., 2015 advise; zeros otherwise). Params 4u(F+u+1). MACs T*(F*4u + u*4u). Flops 2*MACs + T*u*31 (see STEP_FLOPS_PER_UNIT).",
  params,
  arity: 1,
  inferShape([x], p, ctx) {
    if (!checkRank(ctx, "lstm", x, 2, "[T,F]", { hint: "a sequence is [T,F]; flatten each step first" }))
      return undefined;
    return p.returnSequences ? [x[0] ?? 0, p.units] : [p.units];
  },
  weights({ inputs: [x], params: p }) {
    const f = x?.[1] ?? 0;
    const g = 4 * p.units;
    return [
      kerasKernel("kernel", [f, g]),
      { name: "recurrentKernel", shape: [p.units, g], trainable: true, init: { kind: "orthogonal" } },
      {
        name: "bias",
        shape: [g],
        trainable: true,
        init: p.unitForgetBias ? { kind: "lstmBias", units: p.units } : { kind: "zeros" },
      },
    ];
  },
  macs: lstmMacs,
  flops: (args) => 2 * lstmMacs(args) + (args.inputs[0]?.[0] ?? 0) * args.params.units * STEP_FLOPS_PER_UNIT,
});
