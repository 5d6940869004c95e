import type { SpecDocumentInput } from "@fusegraph/dsl";
import { BN_EPSILON, badOption, checkImageShape, convBn, relu, SpecBuilder } from "./spec-builder.js";

export type DenseNetDepth = 121 | 169 | 201;

export interface DenseNetOptions {
  depth: DenseNetDepth;
  /** Channels each dense layer adds (k in Huang et al., 2017). */
  growthRate?: number;
  /** The bottleneck 1x1 conv has bnSize * growthRate channels. */
  bnSize?: number;
  /** Transition layers keep floor(compression * C) channels. */
  compression?: number;
  classes?: number;
  /** [H, W, C]. */
  inputShape?: readonly number[];
}

/** Dense layers per block, from torchvision's `densenet*` constructors. */
const BLOCKS: Record<DenseNetDepth, readonly number[]> = {
  121: [6, 12, 24, 16],
  169: [6, 12, 32, 32],
  201: [6, 12, 48, 32],
};

export const DENSENET_DEPTHS = Object.keys(BLOCKS).map(Number) as DenseNetDepth[];

const bn = (b: SpecBuilder, id: string, input: string): string =>
  b.op(id, "batchNorm", input, { epsilon: BN_EPSILON });

/**
 * torchvision's DenseNet-BC (Huang et al., 2017): each dense layer is BN-relu-1x1 conv-BN-relu-3x3 conv
 * and its output is concatenated onto its input (so layer l sees every earlier feature map); transitions
 * are BN-relu-1x1 conv-2x2 average pool.
 */
export function densenet(options: DenseNetOptions): SpecDocumentInput {
  const { depth, growthRate = 32, bnSize = 4, compression = 0.5, classes = 1000 } = options;
  const name = `densenet${depth}`;
  const blocks = BLOCKS[depth] ?? badOption(name, "depth", "one of 121, 169, 201", depth);
  const shape = checkImageShape(name, options.inputShape ?? [224, 224, 3]);
  for (const [key, v] of [
    ["growthRate", growthRate],
    ["bnSize", bnSize],
    ["classes", classes],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) badOption(name, key, "a positive integer", v);
  }
  if (!(compression > 0 && compression <= 1)) badOption(name, "compression", "in (0, 1]", compression);

  const b = new SpecBuilder(
    name,
    { image: shape },
    `DenseNet-${depth} (Huang et al., 2017), torchvision's topology: growth ${growthRate}, bottleneck ${bnSize}x, compression ${compression}; outputs logits.`,
  );
  let x = relu(
    b,
    "relu0",
    convBn(b, "conv0", "norm0", "image", { filters: 64, kernelSize: 7, strides: 2, padding: 3 }),
  );
  x = b.op("pool0", "maxPool", x, { poolSize: 3, strides: 2, padding: [1, 1, 1, 1] });
  let channels = 64;
  blocks.forEach((layers, bi) => {
    for (let i = 0; i < layers; i++) {
      const p = `denseblock${bi + 1}.${i}/`;
      let y = relu(b, `${p}relu1`, bn(b, `${p}norm1`, x));
      y = b.op(`${p}conv1`, "conv2d", y, { filters: bnSize * growthRate, kernelSize: 1, useBias: false });
      y = relu(b, `${p}relu2`, bn(b, `${p}norm2`, y));
      y = b.op(`${p}conv2`, "conv2d", y, { filters: growthRate, kernelSize: 3, padding: 1, useBias: false });
      x = b.merge(`${p}concat`, "concat", [x, y]);
      channels += growthRate;
    }
    if (bi < blocks.length - 1) {
      const p = `transition${bi + 1}/`;
      channels = Math.floor(channels * compression);
      const y = relu(b, `${p}relu`, bn(b, `${p}norm`, x));
      const c = b.op(`${p}conv`, "conv2d", y, { filters: channels, kernelSize: 1, useBias: false });
      x = b.op(`${p}pool`, "avgPool", c, { poolSize: 2, strides: 2 });
    }
  });
  x = relu(b, "relu5", bn(b, "norm5", x));
  const pooled = b.op("avgpool", "globalAvgPool", x);
  return b.build([b.op("classifier", "dense", pooled, { units: classes })]);
}
