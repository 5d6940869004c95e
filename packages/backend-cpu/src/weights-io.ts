import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type Graph, graphWeights, numel, type WeightMap } from "@fusegraph/dsl";
import { ExecutionError } from "./errors.js";

/**
 * fusegraph's weights format: a directory holding `weights.json`, the manifest
 * `{ format: "fusegraph-weights", version: 1, weights: [{ name, shape, dtype: "float32", offset, byteLength }] }`
 * (name = `nodeId/weightName`, offsets in bytes into the binary file), and `weights.bin`, every weight's
 * float32 values little-endian, back to back in manifest order.
 */
export interface WeightsManifest {
  format: "fusegraph-weights";
  version: 1;
  weights: WeightEntry[];
}

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: "float32";
  offset: number;
  byteLength: number;
}

export const MANIFEST_FILE = "weights.json";
export const BINARY_FILE = "weights.bin";

/** Writes `dir/weights.json` and `dir/weights.bin` via a temporary directory renamed into place. */
export async function saveWeights(dir: string, weights: WeightMap): Promise<WeightsManifest> {
  const entries: WeightEntry[] = [];
  let offset = 0;
  for (const [name, t] of weights) {
    entries.push({ name, shape: [...t.shape], dtype: "float32", offset, byteLength: t.data.length * 4 });
    offset += t.data.length * 4;
  }
  const bin = Buffer.alloc(offset);
  for (const e of entries) {
    const data = weights.get(e.name)!.data;
    for (let i = 0; i < data.length; i++) bin.writeFloatLE(data[i]!, e.offset + i * 4);
  }
  const manifest: WeightsManifest = { format: "fusegraph-weights", version: 1, weights: entries };
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  try {
    await mkdir(tmp, { recursive: true });
    await writeFile(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await writeFile(join(tmp, BINARY_FILE), bin);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw new ExecutionError("weights_io", `cannot write weights to ${dir}: ${(e as Error).message}`);
  }
  return manifest;
}

function parseManifest(text: string, where: string): WeightsManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ExecutionError("weights_format", `${where} is not JSON: ${(e as Error).message}`);
  }
  const m = raw as Partial<WeightsManifest> | null;
  if (m?.format !== "fusegraph-weights" || m.version !== 1 || !Array.isArray(m.weights)) {
    throw new ExecutionError(
      "weights_format",
      `${where} is not a fusegraph weights manifest (expected format "fusegraph-weights", version 1, a weights array)`,
    );
  }
  for (const [i, e] of m.weights.entries()) {
    const entry = e as Partial<WeightEntry> | null;
    const name = typeof entry?.name === "string" ? entry.name : `#${i}`;
    if (entry?.dtype !== "float32") {
      throw new ExecutionError(
        "weight_dtype",
        `weight "${name}" in ${where} has dtype ${JSON.stringify(entry?.dtype)}, expected "float32"`,
      );
    }
    const ok =
      typeof entry.name === "string" &&
      Array.isArray(entry.shape) &&
      entry.shape.every((d) => Number.isInteger(d) && d >= 0) &&
      Number.isInteger(entry.offset) &&
      (entry.offset ?? -1) >= 0 &&
      entry.byteLength === numel(entry.shape) * 4;
    if (!ok) {
      throw new ExecutionError(
        "weights_format",
        `weight "${name}" in ${where} needs a name, an integer shape, an offset and byteLength = 4 * numel(shape)`,
      );
    }
  }
  return m as WeightsManifest;
}

/**
 * Reads a weights directory. With `graph`, checks that the names are exactly the graph's weights and
 * every shape matches, naming the first mismatch.
 */
export async function loadWeights(dir: string, graph?: Graph): Promise<WeightMap> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let text: string;
  let bin: Buffer;
  try {
    text = await readFile(manifestPath, "utf8");
    bin = await readFile(join(dir, BINARY_FILE));
  } catch (e) {
    throw new ExecutionError("weights_io", `cannot read weights from ${dir}: ${(e as Error).message}`);
  }
  const manifest = parseManifest(text, manifestPath);
  // The writer packs weights back to back, so bytes past the last weight mean the two files do not belong together.
  const end = manifest.weights.reduce((m, e) => Math.max(m, e.offset + e.byteLength), 0);
  if (bin.length > end) {
    throw new ExecutionError(
      "weights_format",
      `${join(dir, BINARY_FILE)} has ${bin.length} bytes but ${manifestPath} describes ${end}: the two files do not match`,
    );
  }
  const out: WeightMap = new Map();
  for (const e of manifest.weights) {
    if (e.offset + e.byteLength > bin.length) {
      throw new ExecutionError(
        "weights_truncated",
        `weight "${e.name}" needs bytes [${e.offset}, ${e.offset + e.byteLength}) but ${join(dir, BINARY_FILE)} has ${bin.length} bytes`,
      );
    }
    const data = new Float32Array(e.byteLength / 4);
    for (let i = 0; i < data.length; i++) data[i] = bin.readFloatLE(e.offset + i * 4);
    out.set(e.name, { shape: e.shape, data });
  }
  if (graph) {
    const expected = graphWeights(graph);
    for (const { key, spec } of expected) {
      const w = out.get(key);
      if (!w)
        throw new ExecutionError(
          "missing_weight",
          `weight "${key}" of graph "${graph.name}" is not in ${manifestPath}`,
        );
      const same = w.shape.length === spec.shape.length && w.shape.every((d, i) => d === spec.shape[i]);
      if (!same) {
        throw new ExecutionError(
          "weight_shape",
          `weight "${key}" has shape [${w.shape.join(",")}] in ${manifestPath}, expected [${spec.shape.join(",")}]`,
        );
      }
    }
    const names = new Set(expected.map((w) => w.key));
    for (const name of out.keys()) {
      if (!names.has(name)) {
        throw new ExecutionError(
          "unexpected_weight",
          `weight "${name}" in ${manifestPath} belongs to no node of graph "${graph.name}"`,
        );
      }
    }
  }
  return out;
}
