import type { SpecDocumentInput } from "@fusegraph/dsl";
import { resnetTrunk } from "./resnet.js";
import { BN_EPSILON, badOption, checkStride32, convBn, relu, SpecBuilder } from "./spec-builder.js";

export interface CpnOptions {
  /** [H, W, C]; the paper's COCO setting is 256x192. Sides must be multiples of 32. */
  inputShape?: readonly number[];
  keypoints?: number;
  /** Add RefineNet (the paper's second stage); without it only GlobalNet's four heads are outputs. */
  refineNet?: boolean;
}

/** Channels of GlobalNet's pyramid and of RefineNet's bottleneck outputs. */
const WIDTH = 256;

/**
 * CPN's RefineNet bottleneck (pytorch-cpn `refineNet.Bottleneck`): 1x1 -> 3x3 -> 1x1 to 2*planes, with
 * a 1x1 conv + BN shortcut on every block, merged by add then relu.
 */
function refineBottleneck(b: SpecBuilder, p: string, x: string, planes = 128): string {
  let y = relu(b, `${p}/relu1`, convBn(b, `${p}/conv1`, `${p}/bn1`, x, { filters: planes, kernelSize: 1 }));
  y = relu(
    b,
    `${p}/relu2`,
    convBn(b, `${p}/conv2`, `${p}/bn2`, y, { filters: planes, kernelSize: 3, padding: 1 }),
  );
  y = convBn(b, `${p}/conv3`, `${p}/bn3`, y, { filters: 2 * planes, kernelSize: 1 });
  const shortcut = convBn(b, `${p}/downsample.0`, `${p}/downsample.1`, x, {
    filters: 2 * planes,
    kernelSize: 1,
  });
  return relu(b, `${p}/out`, b.merge(`${p}/add`, "add", [y, shortcut]));
}

/**
 * Cascaded Pyramid Network (Chen et al., 2018) on ResNet-50 C2-C5, following pytorch-cpn. GlobalNet:
 * per level a 1x1 lateral (no bias) + BN + relu; from the coarsest level down, the coarser feature is
 * upsampled bilinear x2, projected by a 1x1 conv with bias + BN and added to the lateral (one
 * conv1x1Add); each level's head is 1x1 + BN + relu, 3x3 to `keypoints` + BN at 1/4 of the input.
 * RefineNet: 3, 2, 1, 0 bottlenecks on the C5..C2 features, all upsampled to 1/4 and concatenated, then
 * a bottleneck, a 3x3 conv to `keypoints` and BN. Upsampling uses align_corners as pytorch-cpn does.
 */
export function cpnResnet50(options: CpnOptions = {}): SpecDocumentInput {
  const name = "cpn-resnet50";
  const { keypoints = 17, refineNet = true } = options;
  if (!Number.isInteger(keypoints) || keypoints < 1)
    badOption(name, "keypoints", "a positive integer", keypoints);
  const shape = checkStride32(name, options.inputShape ?? [256, 192, 3], 1);
  const [h, w] = shape;
  const b = new SpecBuilder(
    name,
    { image: shape },
    `CPN (Chen et al., 2018): ResNet-50 + GlobalNet${refineNet ? " + RefineNet" : ""} for ${keypoints} keypoints; outputs heatmaps at 1/4 of the input.`,
  );
  const outSize = [h / 4, w / 4];
  const bilinear = { mode: "bilinear", alignCorners: true };
  const { c2, c3, c4, c5 } = resnetTrunk(b, "image", 50, false, name);

  // Coarsest first, as pytorch-cpn orders channel_settings [2048, 1024, 512, 256].
  const levels = [
    { level: 5, c: c5, stride: 32 },
    { level: 4, c: c4, stride: 16 },
    { level: 3, c: c3, stride: 8 },
    { level: 2, c: c2, stride: 4 },
  ];
  const features: string[] = [];
  const heads: string[] = [];
  for (const { level, c, stride } of levels) {
    const p = `global/lateral${level}`;
    const lateral = relu(
      b,
      `${p}/relu`,
      convBn(b, `${p}/conv`, `${p}/bn`, c, { filters: WIDTH, kernelSize: 1 }),
    );
    const coarser = features[features.length - 1];
    const feature =
      coarser === undefined
        ? lateral
        : b.merge(`global/merge${level}`, "conv1x1Add", [coarser, lateral], {
            channels: WIDTH,
            project: [0],
            resizeFirst: true,
            norm: "batchNorm",
            resize: "bilinear",
            alignCorners: true,
          });
    features.push(feature);

    const q = `global/predict${level}`;
    let y = relu(
      b,
      `${q}/relu`,
      convBn(b, `${q}/conv1`, `${q}/bn1`, feature, { filters: WIDTH, kernelSize: 1 }),
    );
    y = b.op(`${q}/conv2`, "conv2d", y, { filters: keypoints, kernelSize: 3, padding: 1, useBias: false });
    if (stride !== 4) y = b.op(`${q}/up`, "upsample", y, { size: outSize, ...bilinear });
    heads.push(b.op(`${q}/bn2`, "batchNorm", y, { epsilon: BN_EPSILON }));
  }
  if (!refineNet) return b.build(heads);

  const cascades = levels.map(({ level, stride }, i) => {
    let y = features[i] as string;
    for (let j = 0; j < levels.length - 1 - i; j++) y = refineBottleneck(b, `refine/cascade${level}.${j}`, y);
    return stride === 4
      ? y
      : b.op(`refine/cascade${level}/up`, "upsample", y, { size: outSize, ...bilinear });
  });
  let y = refineBottleneck(b, "refine/final", b.merge("refine/concat", "concat", cascades));
  y = convBn(b, "refine/conv", "refine/bn", y, { filters: keypoints, kernelSize: 3, padding: 1 });
  return b.build([...heads, y]);
}
