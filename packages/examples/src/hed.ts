import type { SpecDocumentInput } from "@fusegraph/dsl";
import { badOption, checkImageShape, relu, SpecBuilder } from "./spec-builder.js";

export interface HedOptions {
  /** [H, W, C]; BSDS500 images are about 320x480. Any size with H, W >= 16 works. */
  inputShape?: readonly number[];
}

/** VGG16's conv stages: channels and number of 3x3 convs (Simonyan & Zisserman, 2015, config D). */
const STAGES = [
  { filters: 64, convs: 2 },
  { filters: 128, convs: 2 },
  { filters: 256, convs: 3 },
  { filters: 512, convs: 3 },
  { filters: 512, convs: 3 },
] as const;

/**
 * HED, holistically-nested edge detection (Xie & Tu, 2015): VGG16's 13 convs (with bias, no pool5 and
 * no fc layers), a side output after each stage (1x1 conv to one channel, bilinear upsampling to the
 * input size), fused by a learned weighted sum with bias initialised to 0.2 each (HED's
 * "new-score-weighting" 1x1 conv over the concatenated side outputs). Outputs the fused edge logits,
 * then the five side logits.
 */
export function hed(options: HedOptions = {}): SpecDocumentInput {
  const name = "hed";
  const [h, w, c] = checkImageShape(name, options.inputShape ?? [320, 480, 3]);
  // Four 2x2 pools must leave at least one pixel.
  if (h < 16 || w < 16) badOption(name, "inputShape", "[H, W, C] with H and W at least 16", [h, w, c]);
  const b = new SpecBuilder(
    name,
    { image: [h, w, c] },
    "HED (Xie & Tu, 2015): VGG16 side outputs fused by weightedAdd; outputs edge logits (fuse, side1..side5).",
  );
  let x = "image";
  const sides: string[] = [];
  STAGES.forEach(({ filters, convs }, s) => {
    const stage = s + 1;
    if (stage > 1) x = b.op(`pool${stage - 1}`, "maxPool", x, { poolSize: 2 });
    for (let i = 1; i <= convs; i++) {
      const conv = b.op(`conv${stage}_${i}`, "conv2d", x, { filters, kernelSize: 3, padding: 1 });
      x = relu(b, `relu${stage}_${i}`, conv);
    }
    const score = b.op(`side${stage}/score`, "conv2d", x, { filters: 1, kernelSize: 1 });
    sides.push(
      stage === 1 ? score : b.op(`side${stage}/up`, "upsample", score, { size: [h, w], mode: "bilinear" }),
    );
  });
  const fuse = b.merge("fuse", "weightedAdd", sides, { init: 0.2, bias: true });
  return b.build([fuse, ...sides]);
}
