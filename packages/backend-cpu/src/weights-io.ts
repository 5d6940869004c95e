import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Graph, graphWeights, numel, type WeightMap } from "@fusegraph/dsl";
import { OutputDirError, type OutputStep, writeOutputDir } from "@fusegraph/dsl/node";
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
  /** The binary's file name when it is not `weights.bin` (only while an atomic replace is under way). */
  binary?: string;
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

export interface SaveWeightsOptions {
  /** Replace a previous fusegraph output in `dir` (default false: refuse). Nothing else is ever replaced. */
  overwrite?: boolean;
  /** Called before each step of the atomic write; for fault-injection tests. */
  onStep?: (step: OutputStep) => void;
}

/** The manifest and the little-endian float32 bytes of `weights`, in fusegraph's weights format. */
export function encodeWeights(weights: WeightMap): { manifest: WeightsManifest; bytes: Uint8Array } {
  const entries: WeightEntry[] = [];
  let offset = 0;
  for (const [name, t] of weights) {
    entries.push({ name, shape: [...t.shape], dtype: "float32", offset, byteLength: t.data.length * 4 });
    offset += t.data.length * 4;
  }
  const bytes = new Uint8Array(offset);
  const view = new DataView(bytes.buffer);
  for (const e of entries) {
    const data = weights.get(e.name)!.data;
    for (let i = 0; i < data.length; i++) view.setFloat32(e.offset + i * 4, data[i]!, true);
  }
  return { manifest: { format: "fusegraph-weights", version: 1, weights: entries }, bytes };
}

/**
 * Writes `dir/weights.json` and `dir/weights.bin` atomically (see `writeOutputDir` in
 * `@fusegraph/dsl/node`): at every instant `dir` holds the old or the new complete weights. Refuses an
 * existing output unless `overwrite`, and never replaces a directory fusegraph did not write.
 */
export async function saveWeights(
  dir: string,
  weights: WeightMap,
  options: SaveWeightsOptions = {},
): Promise<WeightsManifest> {
  const { manifest, bytes: bin } = encodeWeights(weights);
  // While an old output is replaced, the binary sits under a transitional name that the manifest records.
  const render = (names: ReadonlyMap<string, string>): string => {
    const binary = names.get(BINARY_FILE) ?? BINARY_FILE;
    const m: WeightsManifest = binary === BINARY_FILE ? manifest : { ...manifest, binary };
    return `${JSON.stringify(m, null, 2)}\n`;
  };
  try {
    await writeOutputDir(
      dir,
      { manifest: MANIFEST_FILE, render, data: [{ name: BINARY_FILE, bytes: bin }] },
      options,
    );
  } catch (e) {
    // OutputDirError already names the directory and the reason; keep it as the cause for callers to branch on.
    const message =
      e instanceof OutputDirError ? e.message : `cannot write weights to ${dir}: ${(e as Error).message}`;
    throw new ExecutionError("weights_io", message, { cause: e });
  }
  return manifest;
}

/** The reason a file could not be read, without Node's message (which repeats the path). */
function readFailure(e: unknown, missing: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return missing;
  if (code === "EISDIR") return "it is a directory, expected a file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return (e as Error).message;
}

/** Why `dir/weights.json` could not be read; recognises a tfjs model directory given in its place. */
async function unreadableManifest(dir: string, e: unknown): Promise<string> {
  const what =
    "a fusegraph weights directory holds weights.json + weights.bin (saveWeights, or `fusegraph compile --backend cpu`, writes one)";
  if ((e as NodeJS.ErrnoException).code === "ENOENT") {
    const isModel = await access(join(dir, "model.json")).then(
      () => true,
      () => false,
    );
    return isModel
      ? `${dir} holds a TensorFlow.js model (model.json), not fusegraph weights: ${what}`
      : `${dir} has no ${MANIFEST_FILE}: ${what}`;
  }
  return `cannot read ${join(dir, MANIFEST_FILE)}: ${readFailure(e, "it is missing")}`;
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
  // A file name beside the manifest, never a path: a manifest must not make the reader open other files.
  if (m.binary !== undefined && (typeof m.binary !== "string" || !/^[\w.-]+\.bin$/.test(m.binary))) {
    throw new ExecutionError(
      "weights_format",
      `${where} names the binary ${JSON.stringify(m.binary)}; expected a file name ending in .bin beside it`,
    );
  }
  for (const [i, e] of m.weights.entries()) {
    if (e === null || typeof e !== "object" || Array.isArray(e)) {
      throw new ExecutionError(
        "weights_format",
        `weight entry #${i} in ${where} is ${JSON.stringify(e)}, expected { name, shape, dtype, offset, byteLength }`,
      );
    }
    const entry = e as Partial<WeightEntry>;
    const name = typeof entry?.name === "string" ? entry.name : `#${i}`;
    if (entry.dtype !== "float32") {
      throw new ExecutionError(
        "weight_dtype",
        `weight "${name}" in ${where} has dtype ${JSON.stringify(entry.dtype) ?? "undefined"}, expected "float32"`,
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
 * Entries must be in byte order, each starting at or after the end of the one before, with unique
 * names: overlapping ranges would make two weights share bytes, and a repeated name would silently
 * replace the first. Names both entries concerned.
 */
function checkLayout(entries: readonly WeightEntry[], where: string): void {
  const seen = new Set<string>();
  let prev: WeightEntry | undefined;
  const range = (e: WeightEntry) => `bytes [${e.offset}, ${e.offset + e.byteLength})`;
  for (const e of entries) {
    if (seen.has(e.name)) {
      throw new ExecutionError("weights_format", `weight "${e.name}" appears twice in ${where}`);
    }
    seen.add(e.name);
    if (prev && e.offset < prev.offset + prev.byteLength) {
      const what = e.offset < prev.offset ? "is out of order after" : "overlaps";
      throw new ExecutionError(
        "weights_overlap",
        `weight "${e.name}" (${range(e)}) ${what} weight "${prev.name}" (${range(prev)}) in ${where}: ` +
          "entries must follow each other in byte order without overlapping",
      );
    }
    prev = e;
  }
}

/**
 * Reads a weights directory, refusing a manifest whose entries overlap or are out of order. With
 * `graph`, checks that the names are exactly the graph's weights and every shape matches, naming the
 * first mismatch. NaN and ±Infinity values are loaded as they are; `nonFiniteWeights` finds them.
 */
export async function loadWeights(dir: string, graph?: Graph): Promise<WeightMap> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(manifestPath, "utf8");
  } catch (e) {
    throw new ExecutionError("weights_io", await unreadableManifest(dir, e), { cause: e });
  }
  const manifest = parseManifest(text, manifestPath);
  checkLayout(manifest.weights, manifestPath);
  const binaryPath = join(dir, manifest.binary ?? BINARY_FILE);
  let bin: Buffer;
  try {
    bin = await readFile(binaryPath);
  } catch (e) {
    const why = readFailure(e, "it is missing");
    throw new ExecutionError("weights_io", `cannot read ${binaryPath}, which ${manifestPath} names: ${why}`, {
      cause: e,
    });
  }
  // The writer packs weights back to back, so bytes past the last weight mean the two files do not belong together.
  const end = manifest.weights.reduce((m, e) => Math.max(m, e.offset + e.byteLength), 0);
  if (bin.length > end) {
    throw new ExecutionError(
      "weights_format",
      `${binaryPath} has ${bin.length} bytes but ${manifestPath} describes ${end}: the two files do not match`,
    );
  }
  const out: WeightMap = new Map();
  for (const e of manifest.weights) {
    if (e.offset + e.byteLength > bin.length) {
      throw new ExecutionError(
        "weights_truncated",
        `weight "${e.name}" needs bytes [${e.offset}, ${e.offset + e.byteLength}) but ${binaryPath} has ${bin.length} bytes`,
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
