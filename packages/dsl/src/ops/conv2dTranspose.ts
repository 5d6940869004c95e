import { z } from "zod";
import { formatShape } from "../shape.js";
import {
  checkOutputFits,
  checkRank,
  convFields,
  convFlops,
  inputLabel,
  kerasKernel,
  nodeLabel,
  toPair,
  transposeWindow2d,
  zerosBias,
} from "./common.js";
import { type CostArgs, defineOp } from "./define-op.js";

const params = z.strictObject({
  ...convFields,
  useBias: z.boolean().default(true),
});
export type Conv2dTransposeParams = z.infer<typeof params>;

/** Every input position scatters a kh x kw x filters patch: H*W*C*kh*kw*filters. */
function transposeMacs({ inputs: [x], params: p }: CostArgs<Conv2dTransposeParams>): number {
  const [kh, kw] = toPair(p.kernelSize);
  const [h = 0, w = 0, c = 0] = x ?? [];
  return h * w * c * kh * kw * p.filters;
}

/** See `doc` and `details` (rendered into docs/ops.md). */
export const conv2dTranspose = defineOp({
  kind: "conv2dTranspose",
  category: "primitive",
  doc: "Transposed 2-D convolution: [H,W,C] -> [(H-1)*s+(k-1)*d+1-pt-pb, ..., filters] (same: H*s); kernel [kh,kw,filters,C]; MACs H*W*C*kh*kw*filters. Long et al. 2015 (FCN).",
  details:
    "Transposed 2-D convolution (the gradient of conv2d; \"deconvolution\" in FCN, Long et al., 2015, and U-Net's up-convolution, Ronneberger et al., 2015), channels last. Shape: [H,W,C] -> [H',W',filters] with H' = (H-1)*s + (k-1)*d + 1 - pt - pb for `valid` (no pads) or explicit pads [t,b,l,r]; `same` gives H*s (TF). Kernel [kh,kw,filters,C] (Keras layout). Params: kh*kw*filters*C (+ filters). MACs: H*W*C*kh*kw*filters (counted over input positions). Flops: 2*MACs + H'*W'*filters bias adds.",
  params,
  arity: 1,
  inferShape([x], p, ctx) {
    if (!checkRank(ctx, "conv2dTranspose", x, 3, "[H,W,C]")) return undefined;
    const [h = 0, w = 0] = x;
    const { outH, outW } = transposeWindow2d([h, w], p.kernelSize, p.strides, p.dilation, p.padding);
    const fits = checkOutputFits(
      ctx,
      { outH, outW },
      `${nodeLabel(ctx, "conv2dTranspose")}: padding ${JSON.stringify(p.padding)} crops all of the output for ${inputLabel(ctx, 0)} of shape ${formatShape(x)}`,
      "padding",
      "use smaller pads or a larger kernel/stride",
    );
    if (!fits) return undefined;
    return [outH, outW, p.filters];
  },
  weights({ inputs: [x], params: p }) {
    const [kh, kw] = toPair(p.kernelSize);
    const kernel = kerasKernel("kernel", [kh, kw, p.filters, x?.[2] ?? 0]);
    return p.useBias ? [kernel, zerosBias("bias", p.filters)] : [kernel];
  },
  macs: transposeMacs,
  flops: (args) => convFlops(transposeMacs(args), args.output, args.params.useBias),
});
