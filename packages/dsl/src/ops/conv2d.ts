import { z } from "zod";
import { formatShape } from "../shape.js";
import {
  checkOutputFits,
  checkPadsFit,
  checkRank,
  convFields,
  convFlops,
  inputLabel,
  kerasKernel,
  nodeLabel,
  toPair,
  window2d,
  zerosBias,
} from "./common.js";
import { type CostArgs, defineOp } from "./define-op.js";

const params = z.strictObject({
  ...convFields,
  groups: z.number().int().positive().default(1),
  useBias: z.boolean().default(true),
});
export type Conv2dParams = z.infer<typeof params>;

function convMacs({ inputs: [x], params: p, output: [oh = 0, ow = 0] }: CostArgs<Conv2dParams>): number {
  const [kh, kw] = toPair(p.kernelSize);
  return oh * ow * p.filters * kh * kw * ((x?.[2] ?? 0) / p.groups);
}

/** See `doc` and `details` (rendered into docs/ops.md). */
export const conv2d = defineOp({
  kind: "conv2d",
  category: "primitive",
  doc: "2-D convolution, channels last: [H,W,C] -> [H',W',filters]; params kh*kw*C/groups*filters (+filters); MACs H'*W'*filters*kh*kw*C/groups.",
  details:
    "2-D convolution, channels last. Input [H, W, C] -> [H', W', filters] with H' from `padding` (TF's `same`/`valid` rule, or explicit pads), `strides` and `dilation`; `groups` splits channels (groups = C is depthwise). Params: kh*kw*(C/groups)*filters (+ filters with bias). MACs: H'*W'*filters*kh*kw*C/groups; flops 2*MACs + H'*W'*filters bias adds. LeCun et al., 1989 (convolutional networks); grouped convolution from AlexNet (Krizhevsky et al., 2012).",
  params,
  arity: 1,
  inferShape([x], p, ctx) {
    if (!checkRank(ctx, "conv2d", x, 3, "[H,W,C]")) return undefined;
    const [h = 0, w = 0, c = 0] = x;
    if (c % p.groups !== 0 || p.filters % p.groups !== 0) {
      ctx.issue(
        "invalid_params",
        `${nodeLabel(ctx, "conv2d")}: groups ${p.groups} must divide input channels ${c} and filters ${p.filters}`,
        {
          path: ["groups"],
          expected: `a divisor of ${c} and ${p.filters}`,
          received: String(p.groups),
        },
      );
      return undefined;
    }
    const { outH, outW, pads } = window2d([h, w], p.kernelSize, p.strides, p.dilation, p.padding);
    if (!checkPadsFit(ctx, "conv2d", x, pads, ["kernelSize"])) return undefined;
    const [kh, kw] = toPair(p.kernelSize);
    const fits = checkOutputFits(
      ctx,
      { outH, outW },
      `${nodeLabel(ctx, "conv2d")}: window ${kh}x${kw} does not fit ${inputLabel(ctx, 0)} of shape ${formatShape(x)}`,
      "kernelSize",
      "use padding: same, a smaller kernel or a larger input",
    );
    if (!fits) return undefined;
    return [outH, outW, p.filters];
  },
  weights({ inputs: [x], params: p }) {
    const [kh, kw] = toPair(p.kernelSize);
    const cin = (x?.[2] ?? 0) / p.groups;
    const kernel = kerasKernel("kernel", [kh, kw, cin, p.filters]);
    return p.useBias ? [kernel, zerosBias("bias", p.filters)] : [kernel];
  },
  macs: convMacs,
  flops: (args) => convFlops(convMacs(args), args.output, args.params.useBias),
});
