import { z } from "zod";
import { defineOp } from "../define-op.js";
import { formatShape, numel, sameShape } from "../shape.js";

/**
 * Elementwise sum of n >= 2 inputs of identical shape; 0 parameters, 0 MACs, (n-1)*size flops.
 * Before a conv it is a concat whose next-conv kernels are tied across inputs (K_i = K_{i+c}):
 * the residual connection of ResNet (He et al., 2016) and FPN's top-down merge (Lin et al., 2017).
 */
export const add = defineOp({
  kind: "add",
  category: "merge",
  doc: "Elementwise sum of n>=2 inputs of identical shape; 0 params, 0 MACs.",
  params: z.strictObject({}),
  arity: { min: 2, max: 64 },
  inferShape(inputs, _p, ctx) {
    const first = inputs[0];
    if (!first) return undefined;
    let ok = true;
    inputs.forEach((s, i) => {
      if (i === 0 || sameShape(s, first)) return;
      ok = false;
      const c0 = first[first.length - 1];
      const ci = s[s.length - 1];
      const channelsOnly =
        s.length === first.length && s.slice(0, -1).every((d, j) => d === first[j]) && c0 !== ci;
      ctx.issue(
        "shape_mismatch",
        `merge "${ctx.nodeId}" (add): input ${i + 1} "${ctx.inputIds[i]}" has shape ${formatShape(s)}, expected ${formatShape(first)} like input 1 "${ctx.inputIds[0]}"`,
        {
          path: ["inputs", i],
          expected: formatShape(first),
          received: formatShape(s),
          hint: channelsOnly
            ? "use conv1x1Add to project channels, or concat"
            : "use conv1x1Add (projects channels and resizes), or crop/upsample the input first",
        },
      );
    });
    return ok ? first : undefined;
  },
  weights: () => [],
  macs: () => 0,
  flops: ({ inputs, output }) => (inputs.length - 1) * numel(output),
});
