import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { prepare } from "@fusegraph/backend-cpu";
import { compile, useBackend } from "@fusegraph/backend-tfjs";
import { saveModel } from "@fusegraph/backend-tfjs/node";
import {
  createRng,
  type Graph,
  initWeights,
  loadGraph,
  type TensorData,
  type WeightMap,
} from "@fusegraph/dsl";
import { hed, resnet, UNET_MIN_VALID_SIZE, unet } from "@fusegraph/examples";

const samplesDir = fileURLToPath(new URL("../../../packages/cli/samples/", import.meta.url));

/** Seed of every model's weights (and, plus one per input, of its inputs). */
export const WEIGHT_SEED = 1;

export interface ModelCase {
  name: string;
  graph: Graph;
}

/**
 * Every sample spec of packages/cli/samples, and the ImageNet-style examples at small sizes (as
 * packages/examples' tests build them, smaller still where the architecture allows): ResNet-18 on
 * 32x32 (stride 32 leaves 1x1), U-Net at its smallest valid side with 8 base filters, HED on 32x32.
 */
export function modelCases(): ModelCase[] {
  const samples = readdirSync(samplesDir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => ({
      name: f.replace(/\.yaml$/, ""),
      graph: loadGraph(readFileSync(join(samplesDir, f), "utf8"), { filename: f }),
    }));
  return [
    ...samples,
    { name: "resnet18", graph: loadGraph(resnet({ depth: 18, inputShape: [32, 32, 3] })) },
    {
      name: "unet",
      graph: loadGraph(unet({ inputShape: [UNET_MIN_VALID_SIZE, UNET_MIN_VALID_SIZE, 1], baseFilters: 8 })),
    },
    { name: "hed", graph: loadGraph(hed({ inputShape: [32, 32, 3] })) },
  ];
}

/** Batch-1 inputs uniform in [0, 1), one seeded stream per graph input (image-like values). */
export function seededInputs(graph: Graph, seed: number): TensorData[] {
  return graph.inputs.map((input, k) => {
    const rng = createRng(seed * 7919 + k);
    const n = input.shape.reduce((a, b) => a * b, 1);
    return { shape: [1, ...input.shape], data: new Float32Array(n).map(() => rng()) };
  });
}

/** backend-cpu, the reference executor: the graph's outputs in order. */
export function runReference(graph: Graph, weights: WeightMap, inputs: readonly TensorData[]): TensorData[] {
  const executor = prepare(graph, weights);
  try {
    const result = executor.run(Object.fromEntries(graph.inputs.map((i, k) => [i.id, inputs[k]!])));
    return graph.outputs.map((id) => result[id]!);
  } finally {
    executor.dispose();
  }
}

export const FORMATS = ["trainable", "portable"] as const;
export type ModelFormat = (typeof FORMATS)[number];

export interface BuiltModel extends ModelCase {
  inputs: TensorData[];
  /** backend-cpu's outputs for `inputs`, in the graph's output order. */
  reference: TensorData[];
  /** Per format, the model.json path relative to the served root, or why it could not be written. */
  files: Record<ModelFormat, string | Error>;
}

/**
 * Compiles a case twice with the same seeded weights, the default (trainable, fusegraph layer
 * classes) and the portable target (tfjs built-in layers only), and saves both under
 * `<root>/models/<name>/<format>/`; runs backend-cpu on seeded inputs for the reference. A format
 * that fails to compile is recorded, not thrown, so it fails its own tests only.
 */
export async function buildModel(root: string, c: ModelCase): Promise<BuiltModel> {
  await useBackend("cpu");
  const weights = initWeights(c.graph, { seed: WEIGHT_SEED });
  const inputs = seededInputs(c.graph, WEIGHT_SEED + 1);
  const files = {} as Record<ModelFormat, string | Error>;
  for (const format of FORMATS) {
    const dir = `models/${c.name}/${format}`;
    try {
      // The default target is the trainable one; only the portable target is named.
      const model = compile(c.graph, format === "portable" ? { target: format, weights } : { weights });
      try {
        await saveModel(model, join(root, dir));
      } finally {
        model.dispose();
      }
      files[format] = `${dir}/model.json`;
    } catch (e) {
      files[format] = e instanceof Error ? e : new Error(String(e));
    }
  }
  return { ...c, inputs, reference: runReference(c.graph, weights, inputs), files };
}
