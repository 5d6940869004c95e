import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_ELEMENTS, validateSpec } from "@fusegraph/dsl";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../src/errors.js";
import { writeNpy } from "../src/npy.js";
import {
  checkBatch,
  jsonNestingDepth,
  nestedArrayTensor,
  randomInputs,
  readInputFile,
  tensorStats,
} from "../src/tensors.js";
import { ONE_CONV } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "fusegraph-tensors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function graphOf(text: string) {
  const r = validateSpec(text);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("\n"));
  return r.graph;
}

describe("tensorStats", () => {
  it("gives min, max and mean of the finite values and counts the rest", () => {
    const s = tensorStats(new Float32Array([1, Number.NaN, -3, Infinity, 5, Number.NaN]));
    expect(s).toEqual({ min: -3, max: 5, mean: 1, nonFinite: { nan: 2, posInf: 1, negInf: 0 } });
  });

  it("has no min or max for an all-NaN tensor, never ±Infinity", () => {
    expect(tensorStats(new Float32Array([Number.NaN, Number.NaN]))).toEqual({
      min: null,
      max: null,
      mean: null,
      nonFinite: { nan: 2, posInf: 0, negInf: 0 },
    });
    // Negative control: a finite tensor has its usual statistics and no counts.
    expect(tensorStats(new Float32Array([2, 4]))).toEqual({
      min: 2,
      max: 4,
      mean: 3,
      nonFinite: { nan: 0, posInf: 0, negInf: 0 },
    });
  });
});

describe("checkBatch / randomInputs", () => {
  const g = graphOf(ONE_CONV); // 4 values per example

  it("refuses a batch whose tensors would pass the element bound, before allocating", () => {
    const most = Math.floor(MAX_ELEMENTS / 4);
    expect(() => randomInputs(g, 100_000_000_000, 0)).toThrow(UsageError);
    expect(() => checkBatch(g, most + 1, "--batch x")).toThrow(
      `--batch x is too large for graph "one-conv": "x" would hold ${most + 1} x 4 = 2.15e+9 values, more than 2147483647 per tensor; the largest batch is ${most}`,
    );
    // Negative control: the largest allowed batch passes the check (nothing is allocated by it).
    expect(() => checkBatch(g, most, "--batch x")).not.toThrow();
    expect(randomInputs(g, 3, 0).x!.shape).toEqual([3, 2, 2, 1]);
  });
});

describe("JSON input", () => {
  it("measures nesting without recursion, ignoring brackets inside strings", () => {
    expect(jsonNestingDepth('[[1], {"a": [2]}]', 100)).toBe(3);
    expect(jsonNestingDepth('["[[[[", "\\"[["]', 100)).toBe(1);
    // Stops counting past the limit: a million levels cost nothing more.
    const deep = "[".repeat(1_000_000);
    expect(jsonNestingDepth(deep, 18)).toBe(19);
  });

  it("nestedArrayTensor refuses deep nesting and reports overflow past float32", () => {
    let deep: unknown = 1;
    for (let k = 0; k < 10_000; k++) deep = [deep];
    expect(() => nestedArrayTensor(deep, "d.json")).toThrow(/nests more than 17 levels deep/);
    const t = nestedArrayTensor([1e39, -1e39, Infinity, 2], "o.json");
    expect([...t.data]).toEqual([Infinity, -Infinity, Infinity, 2]);
    expect(t.overflowed).toBe(3);
    // Negative control: numbers within float32's range are not overflow.
    expect(nestedArrayTensor([3e38, -1], "ok.json").overflowed).toBe(0);
  });

  it("a ragged array claiming a huge first row is refused without allocating the claim", () => {
    const ragged = [new Array(100_000).fill(0), ...new Array(100_000).fill([0])];
    expect(() => nestedArrayTensor(ragged, "r.json")).toThrow(
      /value\[1\] is an array of 1, expected an array of 100000/,
    );
  });
});

describe("readInputFile: NaN and Infinity get the same warning from .npy and JSON", () => {
  const g = graphOf(ONE_CONV);

  it("warns for NaN in an .npy file and for overflowing JSON numbers, naming input, count and index", async () => {
    writeFileSync(join(dir, "nan.npy"), writeNpy([2, 2, 1], new Float32Array([1, Number.NaN, 3, Infinity])));
    const npy = await readInputFile("nan.npy", g, dir);
    expect(npy.warnings).toEqual([
      'input "x" from nan.npy holds 1 NaN, 1 +Infinity among its 4 values, first at [0,0,1,0]; running with them as given',
    ]);
    expect(Number.isNaN(npy.inputs.x!.data[1])).toBe(true);
    writeFileSync(join(dir, "big.json"), "[[[1], [1e39]], [[3], [1e999]]]");
    const json = await readInputFile("big.json", g, dir);
    expect(json.warnings).toEqual([
      'input "x" from big.json holds 2 +Infinity among its 4 values, first at [0,0,1,0]; 2 of them from numbers beyond float32\'s range (|x| > 3.4e38); running with them as given',
    ]);
    // Negative control: finite inputs give no warning.
    writeFileSync(join(dir, "ok.json"), "[[[1], [2]], [[3], [4]]]");
    expect((await readInputFile("ok.json", g, dir)).warnings).toEqual([]);
  });

  it("refuses JSON nested deeper than the graph's inputs can be, before parsing", async () => {
    writeFileSync(join(dir, "deep.json"), `${"[".repeat(10_000)}1${"]".repeat(10_000)}`);
    await expect(readInputFile("deep.json", g, dir)).rejects.toThrow(
      'deep.json nests arrays and objects more than 5 levels deep; graph "one-conv" needs at most 5',
    );
  });
});
