import type { Graph, WeightMap } from "@fusegraph/dsl";
import {
  ABLATION_FORMAT,
  ABLATION_MANIFEST,
  FUSEGRAPH_MARK,
  type OutputStep,
  TRAINING_FORMAT,
  TRAINING_MANIFEST,
  writeOutputDir,
} from "@fusegraph/dsl/node";

/**
 * `train --out`: one directory that is at once a fusegraph weights directory (weights.json + weights.bin,
 * for `--weights`), a tfjs layers model (model.json + model.weights.bin, for tf.loadLayersModel), the
 * run's history.json and curves.svg. history.json is the commit point of dsl/node's atomic protocol, so
 * a checkpoint replaced after every epoch is, at every instant, one complete epoch's.
 */
export const TFJS_BINARY = "model.weights.bin";
export const CURVES_SVG = "curves.svg";

/** The trainable tfjs model of `graph` with `weights`, as model.json text (naming {@link TFJS_BINARY}) and bytes. */
export async function encodeTfjsModel(
  graph: Graph,
  weights: WeightMap,
): Promise<{ modelJson: string; binary: Uint8Array }> {
  const tf = await import("@tensorflow/tfjs");
  const tfjs = await import("@fusegraph/backend-tfjs/node");
  const model = tfjs.compile(graph, { weights });
  let artifacts: import("@tensorflow/tfjs").io.ModelArtifacts | undefined;
  try {
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }),
    );
  } finally {
    model.dispose();
  }
  if (!artifacts) throw new Error("tfjs produced no model artifacts");
  const a = artifacts;
  const data = a.weightData ? tf.io.CompositeArrayBuffer.join(a.weightData) : new ArrayBuffer(0);
  const json: import("@tensorflow/tfjs").io.ModelJSON = {
    modelTopology: a.modelTopology ?? {},
    format: a.format ?? "layers-model",
    generatedBy: a.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: FUSEGRAPH_MARK,
    weightsManifest: [{ paths: [`./${TFJS_BINARY}`], weights: a.weightSpecs ?? [] }],
  };
  return { modelJson: JSON.stringify(json), binary: new Uint8Array(data) };
}

export interface CheckpointContent {
  graph: Graph;
  weights: WeightMap;
  /** The run so far (train --json's shape); history.json adds its format mark. */
  history: object;
  curvesSvg: string;
}

/** Writes (or atomically replaces, with `overwrite`) a training checkpoint directory. Throws OutputDirError. */
export async function writeCheckpoint(
  dir: string,
  c: CheckpointContent,
  options: { overwrite: boolean; cwd: string; onStep?: (s: OutputStep) => void },
): Promise<void> {
  // NOTE: loaded on use, like every backend, so the CLI starts without them.
  const { BINARY_FILE, encodeWeights, MANIFEST_FILE } = await import("@fusegraph/backend-cpu");
  const w = encodeWeights(c.weights);
  const weightsJson = `${JSON.stringify(w.manifest, null, 2)}\n`;
  const m = await encodeTfjsModel(c.graph, c.weights);
  const utf8 = (s: string) => new TextEncoder().encode(s);
  await writeOutputDir(
    dir,
    {
      manifest: TRAINING_MANIFEST,
      render: (names) => {
        // NOTE: while a replace is under way the files sit under transitional names; history.json says which.
        const moved = [...names].filter(([k, v]) => k !== v);
        const files = moved.length > 0 ? { files: Object.fromEntries(names) } : {};
        return `${JSON.stringify({ format: TRAINING_FORMAT, version: 1, ...c.history, ...files }, null, 2)}\n`;
      },
      // Binaries before the manifests that name them (see the "training" output kind).
      data: [
        { name: BINARY_FILE, bytes: w.bytes },
        { name: TFJS_BINARY, bytes: m.binary },
        { name: CURVES_SVG, bytes: utf8(c.curvesSvg) },
        { name: MANIFEST_FILE, bytes: utf8(weightsJson) },
        { name: "model.json", bytes: utf8(m.modelJson) },
      ],
    },
    { overwrite: options.overwrite, cwd: options.cwd, ...(options.onStep ? { onStep: options.onStep } : {}) },
  );
}

/** `ablate --out`: ablation.json (the report, marked) and curves.svg, atomically. Throws OutputDirError. */
export async function writeAblationOutput(
  dir: string,
  report: object,
  curvesSvg: string,
  options: { overwrite: boolean; cwd: string },
): Promise<void> {
  await writeOutputDir(
    dir,
    {
      manifest: ABLATION_MANIFEST,
      render: () => `${JSON.stringify({ format: ABLATION_FORMAT, version: 1, ...report }, null, 2)}\n`,
      data: [{ name: CURVES_SVG, bytes: new TextEncoder().encode(curvesSvg) }],
    },
    options,
  );
}
