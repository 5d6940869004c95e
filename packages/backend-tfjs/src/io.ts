import { randomBytes } from "node:crypto";
import { access, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import "./layers/register.js";
import { ModelIoError } from "./errors.js";

export const MODEL_JSON = "model.json";
export const WEIGHTS_BIN = "weights.bin";

export interface SaveOptions {
  /** Replace an existing directory (default false: refuse). */
  overwrite?: boolean;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** A sibling of `dir` for staging, so the final rename stays on one filesystem. */
function sibling(dir: string, tag: string): string {
  return join(dirname(dir), `.${basename(dir)}.${tag}-${process.pid}-${randomBytes(4).toString("hex")}`);
}

/**
 * Writes the standard tfjs layers format: `model.json` (topology + weights manifest) and one
 * `weights.bin`. Staged in a temporary sibling directory and renamed into place, so a failure never
 * leaves half a model. Refuses an existing `dir` unless `overwrite`.
 */
export async function saveModel(model: tf.LayersModel, dir: string, opts: SaveOptions = {}): Promise<void> {
  if ((await exists(dir)) && !opts.overwrite) {
    throw new ModelIoError(
      "output_exists",
      dir,
      `${dir} already exists; pass { overwrite: true } to replace it`,
    );
  }
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  if (!artifacts) throw new ModelIoError("invalid_model", dir, "tfjs produced no model artifacts");
  const weightData = artifacts.weightData
    ? tf.io.CompositeArrayBuffer.join(artifacts.weightData)
    : new ArrayBuffer(0);
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology ?? {},
    format: artifacts.format ?? "layers-model",
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;

  await mkdir(dirname(dir), { recursive: true });
  const staging = sibling(dir, "tmp");
  try {
    await mkdir(staging);
    await writeFile(join(staging, MODEL_JSON), JSON.stringify(json));
    await writeFile(join(staging, WEIGHTS_BIN), new Uint8Array(weightData));
    if (await exists(dir)) {
      // Move the old model aside first: rename cannot replace a non-empty directory.
      const old = sibling(dir, "old");
      await rename(dir, old);
      await rename(staging, dir);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(staging, dir);
    }
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
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
  return tf.loadLayersModel(modelDir(dir));
}
