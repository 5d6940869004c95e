import type { SpecDocumentInput } from "@fusegraph/dsl";
import { badOption, checkImageShape, convBn, relu, SpecBuilder } from "./spec-builder.js";

export type ResNetDepth = 18 | 34 | 50 | 101 | 152;

export interface ResNetOptions {
  depth: ResNetDepth;
  /** Bias on every conv (keras.applications' ResNet50 has them; torchvision's has none). */
  convBias?: boolean;
  classes?: number;
  /** [H, W, C]. */
  inputShape?: readonly number[];
}

/** Blocks per stage and block kind, from torchvision's `resnet*` constructors (He et al., 2016, table 1). */
const CONFIGS: Record<
  ResNetDepth,
  { blocks: readonly [number, number, number, number]; bottleneck: boolean }
> = {
  18: { blocks: [2, 2, 2, 2], bottleneck: false },
  34: { blocks: [3, 4, 6, 3], bottleneck: false },
  50: { blocks: [3, 4, 6, 3], bottleneck: true },
  101: { blocks: [3, 4, 23, 3], bottleneck: true },
  152: { blocks: [3, 8, 36, 3], bottleneck: true },
};

export const RESNET_DEPTHS = Object.keys(CONFIGS).map(Number) as ResNetDepth[];

/** The four stage outputs C2..C5 (strides 4, 8, 16, 32), as FPN and CPN consume them. */
export interface ResNetStages {
  c2: string;
  c3: string;
  c4: string;
  c5: string;
}

/**
 * torchvision's ResNet trunk (stem + layer1..layer4) added to `b`, fed by `input`. Bottlenecks are v1.5
 * (the stride sits on the 3x3 conv); a block whose output shape differs from its input projects the
 * shortcut with a 1x1 conv + batchNorm; the merge is add, then relu.
 */
export function resnetTrunk(
  b: SpecBuilder,
  input: string,
  depth: ResNetDepth,
  convBias = false,
  example = `resnet${depth}`,
): ResNetStages {
  const cfg = CONFIGS[depth] ?? badOption(example, "depth", "one of 18, 34, 50, 101, 152", depth);
  const bn = (conv: string, bnId: string, x: string, filters: number, k: number, s = 1, pad = 0): string =>
    convBn(b, conv, bnId, x, { filters, kernelSize: k, strides: s, padding: pad, useBias: convBias });

  let x = relu(b, "relu", bn("conv1", "bn1", input, 64, 7, 2, 3));
  // torchvision: MaxPool2d(3, 2, padding=1); the input is post-relu, so zero padding equals -inf padding.
  x = b.op("maxpool", "maxPool", x, { poolSize: 3, strides: 2, padding: [1, 1, 1, 1] });
  let channels = 64;
  const outs: string[] = [];
  cfg.blocks.forEach((count, stage) => {
    const planes = 64 * 2 ** stage;
    const outChannels = cfg.bottleneck ? planes * 4 : planes;
    for (let i = 0; i < count; i++) {
      const p = `layer${stage + 1}.${i}/`;
      const stride = i === 0 && stage > 0 ? 2 : 1;
      let y: string;
      if (cfg.bottleneck) {
        y = relu(b, `${p}relu1`, bn(`${p}conv1`, `${p}bn1`, x, planes, 1));
        y = relu(b, `${p}relu2`, bn(`${p}conv2`, `${p}bn2`, y, planes, 3, stride, 1));
        y = bn(`${p}conv3`, `${p}bn3`, y, outChannels, 1);
      } else {
        y = relu(b, `${p}relu1`, bn(`${p}conv1`, `${p}bn1`, x, planes, 3, stride, 1));
        y = bn(`${p}conv2`, `${p}bn2`, y, planes, 3, 1, 1);
      }
      const shortcut =
        stride !== 1 || channels !== outChannels
          ? bn(`${p}downsample.0`, `${p}downsample.1`, x, outChannels, 1, stride)
          : x;
      x = relu(b, `${p}out`, b.merge(`${p}add`, "add", [y, shortcut]));
      channels = outChannels;
    }
    outs.push(x);
  });
  const [c2, c3, c4, c5] = outs as [string, string, string, string];
  return { c2, c3, c4, c5 };
}

/** torchvision's `resnet{18,34,50,101,152}`: trunk, global average pool, fc (logits). */
export function resnet(options: ResNetOptions): SpecDocumentInput {
  const { depth, convBias = false, classes = 1000, inputShape = [224, 224, 3] } = options;
  const name = `resnet${depth}`;
  const shape = checkImageShape(name, inputShape);
  if (!Number.isInteger(classes) || classes < 1) badOption(name, "classes", "a positive integer", classes);
  const b = new SpecBuilder(
    name,
    { image: shape },
    `ResNet-${depth} (He et al., 2016), torchvision's topology${convBias ? " with conv biases" : ""}; outputs logits.`,
  );
  const { c5 } = resnetTrunk(b, "image", depth, convBias, name);
  const pooled = b.op("avgpool", "globalAvgPool", c5);
  return b.build([b.op("fc", "dense", pooled, { units: classes })]);
}
