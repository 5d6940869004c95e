import type { SpecDocumentInput } from "@fusegraph/dsl";
import { resnetTrunk } from "./resnet.js";
import { badOption, checkImageShape, checkStride32, convBn, relu, SpecBuilder } from "./spec-builder.js";

/**
 * FPN's top-down pathway and output convs (Lin et al., 2017) over backbone levels `levels` (finest
 * first, e.g. [C2, C3, C4, C5]): the coarsest gets a 1x1 lateral conv; each finer level is one
 * conv1x1Add that projects the backbone map (the lateral 1x1 conv with bias) and adds the coarser
 * result upsampled x2 (nearest); every merged map then gets a 3x3 output conv. Returns [P2, ..., P5].
 */
export function fpnHead(
  b: SpecBuilder,
  levels: readonly string[],
  channels: number,
  prefix = "fpn",
): string[] {
  const n = levels.length;
  // Level numbers follow the paper: levels[i] is C(i+2), so outputs are P2..P(n+1).
  const coarsest = levels[n - 1] as string;
  const inner: string[] = new Array(n);
  inner[n - 1] = b.op(`${prefix}/lateral${n + 1}`, "conv2d", coarsest, { filters: channels, kernelSize: 1 });
  for (let i = n - 2; i >= 0; i--) {
    inner[i] = b.merge(
      `${prefix}/merge${i + 2}`,
      "conv1x1Add",
      [inner[i + 1] as string, levels[i] as string],
      {
        channels,
        project: [1],
        resize: "nearest",
      },
    );
  }
  return inner.map((x, i) =>
    b.op(`${prefix}/p${i + 2}`, "conv2d", x, { filters: channels, kernelSize: 3, padding: 1 }),
  );
}

export interface FpnResNet50Options {
  /** [H, W, C]; every side must be a multiple of 32 so each level is exactly twice the next. */
  inputShape?: readonly number[];
  /** FPN channels (256 in the paper). */
  channels?: number;
}

/** ResNet-50 C2-C5 (torchvision, no classifier) + FPN; outputs P2-P5. */
export function fpnResnet50(options: FpnResNet50Options = {}): SpecDocumentInput {
  const name = "fpn-resnet50";
  const { channels = 256 } = options;
  if (!Number.isInteger(channels) || channels < 1)
    badOption(name, "channels", "a positive integer", channels);
  const shape = checkStride32(name, options.inputShape ?? [224, 224, 3], 1);
  const b = new SpecBuilder(
    name,
    { image: shape },
    `ResNet-50 C2-C5 + FPN (Lin et al., 2017) with ${channels} channels; outputs P2-P5.`,
  );
  const { c2, c3, c4, c5 } = resnetTrunk(b, "image", 50, false, name);
  return b.build(fpnHead(b, [c2, c3, c4, c5], channels));
}

export interface TinyFpnOptions {
  /** [H, W, C]; sides multiples of 16, at least 32 so P5 is at least 2x2. */
  inputShape?: readonly number[];
  /** FPN channels. */
  channels?: number;
}

/** Backbone widths of tiny-fpn's four stride-2 stages (C2..C5). */
const TINY_WIDTHS = [16, 32, 64, 128] as const;

/**
 * A small FPN for quick runs: four stride-2 conv-BN-relu stages (C2..C5 at strides 2..16) and an FPN
 * head of `channels` channels; the same graph as specs/tiny-fpn.yaml.
 */
export function tinyFpn(options: TinyFpnOptions = {}): SpecDocumentInput {
  const name = "tiny-fpn";
  const { channels = 32 } = options;
  if (!Number.isInteger(channels) || channels < 1)
    badOption(name, "channels", "a positive integer", channels);
  const shape = checkImageShape(name, options.inputShape ?? [64, 64, 3]);
  if (shape[0] % 16 !== 0 || shape[1] % 16 !== 0 || shape[0] < 32 || shape[1] < 32) {
    badOption(name, "inputShape", "[H, W, C] with H and W multiples of 16, at least 32", options.inputShape);
  }
  const b = new SpecBuilder(name, { image: shape }, `A small conv backbone + FPN with ${channels} channels.`);
  let x = "image";
  const levels = TINY_WIDTHS.map((filters, i) => {
    const p = `stage${i + 1}`;
    x = relu(
      b,
      `${p}/relu`,
      convBn(b, `${p}/conv`, `${p}/bn`, x, { filters, kernelSize: 3, strides: 2, padding: 1 }),
    );
    return x;
  });
  return b.build(fpnHead(b, levels, channels));
}
