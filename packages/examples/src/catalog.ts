import { fileURLToPath } from "node:url";
import type { MergeKind, SpecDocumentInput } from "@fusegraph/dsl";
import { cpnResnet50 } from "./cpn.js";
import { DENSENET_DEPTHS, densenet } from "./densenet.js";
import { fpnResnet50, tinyFpn } from "./fpn.js";
import { hed } from "./hed.js";
import { lstmCell, lstmClassifier } from "./lstm.js";
import type { Example } from "./registry.js";
import { RESNET_DEPTHS, resnet } from "./resnet.js";
import { UNET_MIN_VALID_SIZE, unet } from "./unet.js";

/** Where a YAML twin of a builder lives: `specs/` beside `src/` (and beside `dist/` once built). */
export function specPath(file: string): string {
  return fileURLToPath(new URL(`../specs/${file}`, import.meta.url));
}

/** CI-sized input for ImageNet-style nets: the smallest side that keeps stride-32 maps at 2x2. */
const SMALL: readonly number[] = [64, 64, 3];

function example(
  name: string,
  description: string,
  merges: readonly MergeKind[],
  spec: () => SpecDocumentInput,
  smallSpec: () => SpecDocumentInput,
  yamlFile?: string,
): Example {
  return {
    name,
    description,
    merges,
    spec,
    smallSpec,
    ...(yamlFile ? { yamlPath: specPath(yamlFile) } : {}),
  };
}

/** Every bundled example, in the order `fusegraph list` shows them. */
export const builtinExamples: readonly Example[] = [
  ...RESNET_DEPTHS.map((depth) =>
    example(
      `resnet${depth}`,
      `ResNet-${depth} (torchvision), residual blocks merged by add`,
      ["add"],
      () => resnet({ depth }),
      () => resnet({ depth, inputShape: SMALL }),
      depth === 50 ? "resnet50.yaml" : undefined,
    ),
  ),
  ...DENSENET_DEPTHS.map((depth) =>
    example(
      `densenet${depth}`,
      `DenseNet-${depth} (torchvision), every dense layer's output joined by concat`,
      ["concat"],
      () => densenet({ depth }),
      () => densenet({ depth, inputShape: SMALL }),
      depth === 121 ? "densenet121.yaml" : undefined,
    ),
  ),
  example(
    "unet",
    "U-Net (the paper's 572x572 configuration), cropped skips joined by concat",
    ["concat"],
    () => unet(),
    () => unet({ inputShape: [UNET_MIN_VALID_SIZE, UNET_MIN_VALID_SIZE, 1] }),
  ),
  example(
    "fpn-resnet50",
    "ResNet-50 + FPN: top-down pathway as conv1x1Add (1x1 lateral + nearest x2 + add)",
    ["add", "conv1x1Add"],
    () => fpnResnet50(),
    () => fpnResnet50({ inputShape: SMALL }),
  ),
  example(
    "tiny-fpn",
    "A small conv backbone + FPN, top-down merges as conv1x1Add",
    ["conv1x1Add"],
    () => tinyFpn(),
    () => tinyFpn({ inputShape: [32, 32, 3] }),
    "tiny-fpn.yaml",
  ),
  example(
    "cpn-resnet50",
    "CPN on ResNet-50: GlobalNet's bilinear top-down conv1x1Add, RefineNet's concat",
    ["add", "conv1x1Add", "concat"],
    () => cpnResnet50(),
    () => cpnResnet50({ inputShape: SMALL }),
  ),
  example(
    "hed",
    "HED on VGG16: five side outputs fused by weightedAdd",
    ["weightedAdd"],
    () => hed(),
    () => hed({ inputShape: SMALL }),
  ),
  example(
    "lstm",
    "Sequence classifier with the lstm op",
    [],
    () => lstmClassifier(),
    () => lstmClassifier({ timesteps: 8 }),
  ),
  example(
    "lstm-cell",
    "An LSTM cell from primitives, unrolled; the cell state c_t = f*c_{t-1} + i*g is an add merge",
    ["add"],
    () => lstmCell(),
    // Without weight sharing, fewer steps would mean fewer params: keep the full example.
    () => lstmCell(),
  ),
];
