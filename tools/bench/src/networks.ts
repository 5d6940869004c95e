import type { SpecDocumentInput } from "@fusegraph/dsl";
import { densenet, fpnResnet50, resnet, tinyFpn, unet } from "@fusegraph/examples";

export type NetworkId = "resnet50" | "densenet121" | "unet" | "fpn" | "tiny";

export interface Network {
  id: NetworkId;
  title: string;
  spec: () => SpecDocumentInput;
  /** Batches of the default run; BENCH_BATCH overrides them. */
  batches: readonly number[];
  /** Why a batch is left out of the default run (shown in the output). */
  note?: string;
}

/**
 * The four networks, from @fusegraph/examples (torchvision topologies), plus `tiny` for the
 * bench's own end-to-end test. U-Net "small": same padding, 16 base filters (a quarter of the paper's width, 3.0 GMACs at 256x256;
 * 32 would be 12 GMACs and batch 8 alone would take half the 25-minute budget).
 */
export const NETWORKS: readonly Network[] = [
  {
    id: "resnet50",
    title: "ResNet-50 224x224",
    spec: () => resnet({ depth: 50 }),
    batches: [1, 8],
  },
  {
    id: "densenet121",
    title: "DenseNet-121 224x224",
    spec: () => densenet({ depth: 121 }),
    batches: [1],
    note: "batch 8 is left out of the default run to keep it within 25 minutes on 2 cores; BENCH_ONLY=densenet121 BENCH_BATCH=8 runs it",
  },
  {
    id: "unet",
    title: "U-Net small (same padding, 16 base filters) 256x256x3",
    spec: () => unet({ padding: "same", inputShape: [256, 256, 3], baseFilters: 16, classes: 2 }),
    batches: [1, 8],
  },
  {
    id: "fpn",
    title: "FPN-ResNet-50 512x512",
    spec: () => fpnResnet50({ inputShape: [512, 512, 3] }),
    batches: [1],
    note: "batch 8 is left out of the default run (FPN-512 at batch 8 alone would take most of the 25-minute budget on 2 cores); BENCH_ONLY=fpn BENCH_BATCH=8 runs it",
  },
  {
    id: "tiny",
    title: "tiny-fpn 32x32 (the bench's self-test)",
    spec: () => tinyFpn({ inputShape: [32, 32, 3] }),
    batches: [1, 2],
  },
];

/** The networks a default run measures (not the self-test one). */
export const DEFAULT_NETWORKS: readonly NetworkId[] = ["resnet50", "densenet121", "unet", "fpn"];

export function network(id: string): Network | undefined {
  return NETWORKS.find((n) => n.id === id);
}

/** Deterministic input of `size` floats in [-0.5, 0.5] (the same in every engine). */
export function benchInput(size: number): Float32Array {
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = Math.sin(i * 0.37) * 0.5;
  return data;
}
