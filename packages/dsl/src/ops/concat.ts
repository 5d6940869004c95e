import { z } from "zod";
import { formatShape } from "../shape.js";
import { inputLabel, nodeLabel } from "./common.js";
import { defineOp } from "./define-op.js";

const params = z.strictObject({ axis: z.number().int().default(-1) });
export type ConcatParams = z.infer<typeof params>;

/** See `doc` and `details` (rendered into docs/ops.md). */
export const concat = defineOp({
  kind: "concat",
  category: "merge",
  doc: "Concatenation of n>=2 inputs along axis (-1): identical shapes except axis; 0 params, 0 MACs, 0 flops. Huang et al. 2017 (DenseNet).",
  details:
    "Concatenation of n >= 2 inputs along `axis` (default the channels); every other dimension must match. DenseNet's dense connectivity (Huang et al., 2017) and U-Net's skip merge (Ronneberger et al., 2015). A conv after it sees each input through its own kernel slice. 0 params, 0 MACs, 0 flops (a copy).",
  params,
  arity: { min: 2, max: 64 },
  inferShape(inputs, p, ctx) {
    const first = inputs[0];
    if (!first) return undefined;
    const rank = first.length;
    const axis = p.axis < 0 ? p.axis + rank : p.axis;
    if (axis < 0 || axis >= rank) {
      ctx.issue(
        "invalid_params",
        `${nodeLabel(ctx, "concat", "merge")}: axis ${p.axis} is out of range for ${inputLabel(ctx, 0)} of shape ${formatShape(first)}`,
        {
          path: ["axis"],
          expected: `an axis in [${-rank}, ${rank - 1}]`,
          received: String(p.axis),
          hint: "axis: -1 concatenates channels",
        },
      );
      return undefined;
    }
    let ok = true;
    let total = 0;
    inputs.forEach((s, i) => {
      total += s[axis] ?? 0;
      const fits = s.length === rank && s.every((d, j) => j === axis || d === first[j]);
      if (fits) return;
      ok = false;
      const expected = `[${first.map((d, j) => (j === axis ? "*" : d)).join(",")}]`;
      ctx.issue(
        "shape_mismatch",
        `${nodeLabel(ctx, "concat", "merge")}: ${inputLabel(ctx, i)} has shape ${formatShape(s)}, expected ${expected} (any size on axis ${p.axis}) like ${inputLabel(ctx, 0)}`,
        {
          path: ["inputs", i],
          expected,
          received: formatShape(s),
          hint:
            s.length === rank
              ? "crop or upsample the input so the other dimensions match"
              : "every input needs the same rank",
        },
      );
    });
    return ok ? first.map((d, j) => (j === axis ? total : d)) : undefined;
  },
  weights: () => [],
  macs: () => 0,
  flops: () => 0,
});
