import { readFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { createRng, type Graph, MAX_ELEMENTS, numel, type TensorData } from "@fusegraph/dsl";
import { UsageError } from "./errors.js";
import {
  formatIndex,
  formatNonFinite,
  type NonFiniteCounts,
  scanNonFinite,
  totalNonFinite,
  unravelIndex,
} from "./non-finite.js";
import { NpyError, readNpy } from "./npy.js";

/** The most dimensions an input array can have: the dsl's rank bound (16) plus the batch. */
const MAX_DIMS = 17;

/**
 * Refuses a batch whose largest tensor (an input or any node's output) would hold more than
 * MAX_ELEMENTS values, the dsl's bound on one example's tensor, before anything is allocated.
 * `what` names where the batch came from in the message (`--batch 100000000`, `x.npy: batch 9`).
 */
export function checkBatch(graph: Graph, batch: number, what: string): void {
  let largest = { id: "", size: 0 };
  for (const t of [...graph.inputs, ...graph.nodes]) {
    const size = numel(t.shape);
    if (size > largest.size) largest = { id: t.id, size };
  }
  if (largest.size === 0 || batch * largest.size <= MAX_ELEMENTS) return;
  const most = Math.floor(MAX_ELEMENTS / largest.size);
  throw new UsageError(
    `${what} is too large for graph "${graph.name}": "${largest.id}" would hold ${batch} x ${largest.size} = ` +
      `${(batch * largest.size).toExponential(2)} values, more than ${MAX_ELEMENTS} per tensor; the largest batch is ${most}`,
  );
}

/** Seeded uniform values in [-1, 1) for every graph input, batch first: the same seed gives the same inputs. */
export function randomInputs(graph: Graph, batch: number, seed: number): Record<string, TensorData> {
  checkBatch(graph, batch, `--batch ${batch}`);
  // NOTE: offset from the weight seed so inputs and weights made from one --seed are not correlated.
  const rng = createRng((seed ^ 0x5bd1e995) >>> 0);
  const out: Record<string, TensorData> = {};
  for (const input of graph.inputs) {
    const shape = [batch, ...input.shape];
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let k = 0; k < data.length; k++) data[k] = 2 * rng() - 1;
    out[input.id] = { shape, data };
  }
  return out;
}

/** A JSON value in a message, short and without recursing into it. */
function describeJson(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === undefined) return "missing";
  if (typeof v === "object" && v !== null) return "an object";
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** A tensor read from a file, and how many of its numbers were beyond float32's range (now ±Infinity). */
export interface ParsedTensor extends TensorData {
  overflowed: number;
}

/**
 * Shape and C-order values of a JSON nested array of numbers; throws a UsageError naming the place.
 * Numbers beyond float32's range (1e39, or 1e999 which JSON.parse already makes Infinity) become
 * ±Infinity and are counted in `overflowed`; the caller warns about them. Nesting deeper than `maxDims`
 * is refused before anything is walked.
 */
export function nestedArrayTensor(value: unknown, label: string, maxDims = MAX_DIMS): ParsedTensor {
  const shape: number[] = [];
  for (let v = value; Array.isArray(v); v = v[0]) {
    shape.push(v.length);
    if (shape.length > maxDims) {
      throw new UsageError(
        `${label}: the array nests more than ${maxDims} levels deep, expected at most ${maxDims}`,
      );
    }
  }
  // NOTE: filled as the walk goes, not allocated from `shape` up front: a ragged array's first row
  // could claim far more values than the file holds.
  const values: number[] = [];
  let overflowed = 0;
  const walk = (v: unknown, depth: number, at: string): void => {
    if (depth === shape.length) {
      if (typeof v !== "number") {
        throw new UsageError(`${label}: ${at} is ${describeJson(v)}, expected a number`);
      }
      if (!Number.isFinite(Math.fround(v))) overflowed++;
      values.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      const got = describeJson(v);
      throw new UsageError(
        `${label}: ${at} is ${got}, expected an array of ${shape[depth]} (the arrays must be rectangular)`,
      );
    }
    v.forEach((item, i) => {
      walk(item, depth + 1, `${at}[${i}]`);
    });
  };
  walk(value, 0, "value");
  return { shape, data: Float32Array.from(values), overflowed };
}

/** A tensor for a graph input: shape [...S] gets batch 1, [N, ...S] is taken as is. */
function fitInput(t: TensorData, id: string, expected: readonly number[], label: string): TensorData {
  const same = (a: readonly number[], b: readonly number[]) =>
    a.length === b.length && a.every((d, i) => d === b[i]);
  if (same(t.shape, expected)) return { shape: [1, ...expected], data: t.data };
  if (t.shape.length === expected.length + 1 && (t.shape[0] ?? 0) >= 1 && same(t.shape.slice(1), expected)) {
    return t;
  }
  const empty = t.shape[0] === 0 && same(t.shape.slice(1), expected);
  throw new UsageError(
    `${label}: input "${id}" has shape [${t.shape.join(",")}], expected [${expected.join(",")}] or [N,${expected.join(",")}]` +
      (empty ? " with N >= 1 (a batch of 0 examples has nothing to run)" : ""),
  );
}

/**
 * The deepest nesting of `[` and `{` in JSON text (outside strings), found without recursion and
 * stopping as soon as it passes `limit`, so a hostile file is refused before it is parsed.
 */
export function jsonNestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (inString) {
      if (c === 0x5c)
        k++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** A warning about one input's NaN and ±Infinity values, or undefined when every value is finite. */
function nonFiniteInputWarning(id: string, t: ParsedTensor, source: string): string | undefined {
  const scan = scanNonFinite(t.data);
  if (scan.first === null) return undefined;
  const overflow =
    t.overflowed > 0 ? `; ${t.overflowed} of them from numbers beyond float32's range (|x| > 3.4e38)` : "";
  return (
    `input "${id}" from ${source} holds ${formatNonFinite(scan)} among its ${t.data.length} values, ` +
    `first at ${formatIndex(unravelIndex(scan.first, t.shape))}${overflow}; running with them as given`
  );
}

/** What `--input` gave: tensors batch first, notes on conversions made, warnings on NaN and ±Infinity. */
export interface InputFile {
  inputs: Record<string, TensorData>;
  notes: string[];
  warnings: string[];
}

/**
 * Reads `--input`: a `.npy` file (one array, for a graph with one input) or a `.json` file holding a
 * nested array (one input) or `{ "<input id>": nested array, ... }`. NaN and ±Infinity (from the .npy
 * data, or JSON numbers beyond float32's range) are accepted, with a warning for each input holding them,
 * as `--weights` does; JSON itself cannot write NaN.
 */
export async function readInputFile(path: string, graph: Graph, cwd: string): Promise<InputFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(resolve(cwd, path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read input file "${path}": ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : String(err)}`,
    );
  }
  const ids = graph.inputs.map((i) => i.id);
  const ext = extname(path).toLowerCase();
  const finish = (inputs: Record<string, ParsedTensor>, notes: string[]): InputFile => {
    const first = Object.values(inputs)[0];
    if (first) checkBatch(graph, first.shape[0] ?? 1, `${path}: batch ${first.shape[0]}`);
    const warnings = Object.entries(inputs)
      .map(([id, t]) => nonFiniteInputWarning(id, t, path))
      .filter((w): w is string => w !== undefined);
    const plain = Object.fromEntries(
      Object.entries(inputs).map(([id, t]) => [id, { shape: t.shape, data: t.data }]),
    );
    return { inputs: plain, notes, warnings };
  };
  if (ext === ".npy") {
    if (graph.inputs.length !== 1) {
      throw new UsageError(
        `${path}: a .npy file holds one array but graph "${graph.name}" has ${ids.length} inputs (${ids.join(", ")}); give a .json file { "<input id>": [...] }`,
      );
    }
    let arr: ReturnType<typeof readNpy>;
    try {
      arr = readNpy(bytes, path);
    } catch (err) {
      if (err instanceof NpyError) throw new UsageError(err.message);
      throw err;
    }
    const input = graph.inputs[0]!;
    const t = fitInput({ shape: arr.shape, data: arr.data }, input.id, input.shape, path);
    return finish({ [input.id]: { ...t, overflowed: arr.overflowed } }, arr.notes);
  }
  if (ext !== ".json") {
    throw new UsageError(`input file "${path}" must end in .npy or .json`);
  }
  const text = bytes.toString("utf8");
  // An object of inputs, each batch first: one level more than the highest-rank input plus the batch.
  const maxDepth = 2 + Math.max(0, ...graph.inputs.map((i) => i.shape.length));
  const depth = jsonNestingDepth(text, maxDepth);
  if (depth > maxDepth) {
    throw new UsageError(
      `${path} nests arrays and objects more than ${maxDepth} levels deep; graph "${graph.name}" needs at most ${maxDepth}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  const byName: Record<string, unknown> =
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : graph.inputs.length === 1
        ? { [ids[0]!]: value }
        : (() => {
            throw new UsageError(
              `${path}: graph "${graph.name}" has ${ids.length} inputs; give { ${ids.map((i) => `"${i}": [...]`).join(", ")} }`,
            );
          })();
  for (const key of Object.keys(byName)) {
    if (!ids.includes(key)) {
      throw new UsageError(
        `${path}: "${key}" is not an input of graph "${graph.name}" (inputs: ${ids.join(", ")})`,
      );
    }
  }
  const inputs: Record<string, ParsedTensor> = {};
  let batch: number | undefined;
  for (const input of graph.inputs) {
    const v = Object.hasOwn(byName, input.id) ? byName[input.id] : undefined;
    if (v === undefined) throw new UsageError(`${path}: input "${input.id}" is missing`);
    const parsed = nestedArrayTensor(v, `${path} "${input.id}"`, input.shape.length + 1);
    const t = fitInput(parsed, input.id, input.shape, path);
    if (batch !== undefined && t.shape[0] !== batch) {
      throw new UsageError(`${path}: input "${input.id}" has batch ${t.shape[0]}, the others ${batch}`);
    }
    batch = t.shape[0];
    inputs[input.id] = { ...t, overflowed: parsed.overflowed };
  }
  return finish(inputs, []);
}

/** min, max and mean of a tensor's finite values (null when it has none), and its NaN and ±Infinity counted. */
export interface TensorStats {
  min: number | null;
  max: number | null;
  mean: number | null;
  nonFinite: NonFiniteCounts;
}

export function tensorStats(data: Float32Array): TensorStats {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let finite = 0;
  for (const v of data) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    finite++;
  }
  const { first: _, ...nonFinite } = scanNonFinite(data);
  if (data.length === 0) return { min: 0, max: 0, mean: 0, nonFinite };
  return finite === 0
    ? { min: null, max: null, mean: null, nonFinite }
    : { min, max, mean: sum / finite, nonFinite };
}

/** Whether any value counted is NaN or ±Infinity. */
export function hasNonFinite(stats: Pick<TensorStats, "nonFinite">): boolean {
  return totalNonFinite(stats.nonFinite) > 0;
}
