import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { FUSEGRAPH_MARK, OutputDirError, type OutputStep, writeOutputDir } from "@fusegraph/dsl/node";
import * as tf from "@tensorflow/tfjs";
import "./layers/register.js";
import { ModelIoError } from "./errors.js";

export const MODEL_JSON = "model.json";
export const WEIGHTS_BIN = "weights.bin";

export interface SaveOptions {
  /** Replace a previous fusegraph output in `dir` (default false: refuse). Nothing else is ever replaced. */
  overwrite?: boolean;
  /** Called before each step of the atomic write; for fault-injection tests. */
  onStep?: (step: OutputStep) => void;
}

/**
 * Writes the standard tfjs layers format: `model.json` (topology + weights manifest, marked
 * `convertedBy: "fusegraph"`) and one `weights.bin`. Written atomically (see `writeOutputDir` in
 * `@fusegraph/dsl/node`): at every instant `dir` holds the old or the new complete model. Refuses an
 * existing model unless `overwrite`, and never replaces a directory fusegraph did not write, a file, the
 * working directory or one of its ancestors.
 */
export async function saveModel(model: tf.LayersModel, dir: string, opts: SaveOptions = {}): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  if (!artifacts) throw new ModelIoError("invalid_model", dir, "tfjs produced no model artifacts");
  const a = artifacts;
  const weightData = a.weightData ? tf.io.CompositeArrayBuffer.join(a.weightData) : new ArrayBuffer(0);
  const render = (names: ReadonlyMap<string, string>): string => {
    const json: tf.io.ModelJSON = {
      modelTopology: a.modelTopology ?? {},
      format: a.format ?? "layers-model",
      generatedBy: a.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
      convertedBy: FUSEGRAPH_MARK,
      weightsManifest: [
        { paths: [`./${names.get(WEIGHTS_BIN) ?? WEIGHTS_BIN}`], weights: a.weightSpecs ?? [] },
      ],
    };
    if (a.trainingConfig) json.trainingConfig = a.trainingConfig;
    if (a.userDefinedMetadata) json.userDefinedMetadata = a.userDefinedMetadata;
    return JSON.stringify(json);
  };
  try {
    await writeOutputDir(
      dir,
      { manifest: MODEL_JSON, render, data: [{ name: WEIGHTS_BIN, bytes: new Uint8Array(weightData) }] },
      opts,
    );
  } catch (e) {
    if (!(e instanceof OutputDirError)) throw e;
    throw new ModelIoError(e.code === "exists" ? "output_exists" : "output_refused", dir, e.message);
  }
}

/**
 * An IOHandler that loads a model directory written by {@link saveModel} (or any tfjs layers model
 * with its weight files beside model.json): `tf.loadLayersModel(modelDir(dir))` works once this
 * package is imported, since importing it registers the custom layers.
 */
export function modelDir(dir: string): tf.io.IOHandler {
  return {
    async load() {
      const path = join(dir, MODEL_JSON);
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(await readFile(path, "utf8")) as tf.io.ModelJSON;
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        throw new ModelIoError("invalid_model", dir, `cannot read ${path}: ${reason}`);
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const b = await readFile(join(dir, p));
            buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

/** Loads a model saved by {@link saveModel}, custom fusegraph layers included. */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  // Works straight after import even when the active backend starts asynchronously (wasm).
  await tf.ready();
  return tf.loadLayersModel(modelDir(dir));
}
