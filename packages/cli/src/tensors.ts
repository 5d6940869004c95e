import { readFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { createRng, type Graph, type TensorData } from "@fusegraph/dsl";
import { UsageError } from "./errors.js";
import { NpyError, readNpy } from "./npy.js";

/** Seeded uniform values in [-1, 1) for every graph input, batch first: the same seed gives the same inputs. */
export function randomInputs(graph: Graph, batch: number, seed: number): Record<string, TensorData> {
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

/** Shape and C-order values of a JSON nested array of numbers; throws a UsageError naming the place. */
export function nestedArrayTensor(value: unknown, label: string): TensorData {
  const shape: number[] = [];
  for (let v = value; Array.isArray(v); v = v[0]) shape.push(v.length);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let k = 0;
  const walk = (v: unknown, depth: number, at: string): void => {
    if (depth === shape.length) {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new UsageError(`${label}: ${at} is ${JSON.stringify(v)}, expected a finite number`);
      }
      data[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      const got = Array.isArray(v) ? `an array of ${v.length}` : JSON.stringify(v);
      throw new UsageError(
        `${label}: ${at} is ${got}, expected an array of ${shape[depth]} (the arrays must be rectangular)`,
      );
    }
    v.forEach((item, i) => {
      walk(item, depth + 1, `${at}[${i}]`);
    });
  };
  walk(value, 0, "value");
  return { shape, data };
}

/** A tensor for a graph input: shape [...S] gets batch 1, [N, ...S] is taken as is. */
function fitInput(t: TensorData, id: string, expected: readonly number[], label: string): TensorData {
  const same = (a: readonly number[], b: readonly number[]) =>
    a.length === b.length && a.every((d, i) => d === b[i]);
  if (same(t.shape, expected)) return { shape: [1, ...expected], data: t.data };
  if (t.shape.length === expected.length + 1 && (t.shape[0] ?? 0) >= 1 && same(t.shape.slice(1), expected)) {
    return t;
  }
  throw new UsageError(
    `${label}: input "${id}" has shape [${t.shape.join(",")}], expected [${expected.join(",")}] or [N,${expected.join(",")}]`,
  );
}

/**
 * Reads `--input`: a `.npy` file (one array, for a graph with one input) or a `.json` file holding a
 * nested array (one input) or `{ "<input id>": nested array, ... }`. Returns tensors batch first, and
 * notes on conversions made.
 */
export async function readInputFile(
  path: string,
  graph: Graph,
  cwd: string,
): Promise<{ inputs: Record<string, TensorData>; notes: string[] }> {
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
    return {
      inputs: { [input.id]: fitInput({ shape: arr.shape, data: arr.data }, input.id, input.shape, path) },
      notes: arr.notes,
    };
  }
  if (ext !== ".json") {
    throw new UsageError(`input file "${path}" must end in .npy or .json`);
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
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
  const inputs: Record<string, TensorData> = {};
  let batch: number | undefined;
  for (const input of graph.inputs) {
    const v = byName[input.id];
    if (v === undefined) throw new UsageError(`${path}: input "${input.id}" is missing`);
    const t = fitInput(nestedArrayTensor(v, `${path} "${input.id}"`), input.id, input.shape, path);
    if (batch !== undefined && t.shape[0] !== batch) {
      throw new UsageError(`${path}: input "${input.id}" has batch ${t.shape[0]}, the others ${batch}`);
    }
    batch = t.shape[0];
    inputs[input.id] = t;
  }
  return { inputs, notes: [] };
}

export interface TensorStats {
  min: number;
  max: number;
  mean: number;
}

export function tensorStats(data: Float32Array): TensorStats {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return data.length === 0 ? { min: 0, max: 0, mean: 0 } : { min, max, mean: sum / data.length };
}
