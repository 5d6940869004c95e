import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initWeights, loadGraph } from "@fusegraph/dsl";
import { afterAll, describe, expect, it } from "vitest";
import { ExecutionError } from "./errors.js";
import { prepare } from "./prepare.js";
import { loadWeights, saveWeights } from "./weights-io.js";

const graph = loadGraph({
  fusegraph: 1,
  name: "small",
  inputs: { x: [4, 4, 2] },
  nodes: {
    c: { op: "conv2d", input: "x", filters: 3, kernelSize: 3, padding: "same" },
    bn: { op: "batchNorm", input: "c" },
    r: { op: "activation", input: "bn", fn: "relu" },
    gap: { op: "globalMaxPool", input: "r" },
  },
  outputs: ["gap"],
});
const weights = initWeights(graph, { seed: 5 });
const exe = prepare(graph, weights, { threads: 1 });
const x = { shape: [1, 4, 4, 2], data: new Float32Array(32).fill(0.5) };
const dir = mkdtempSync(join(tmpdir(), "fusegraph-cpu-errors-"));
afterAll(() => {
  exe.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function thrown(f: () => unknown): ExecutionError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ExecutionError);
    return e as ExecutionError;
  }
  throw new Error("expected an ExecutionError");
}

async function rejected(p: Promise<unknown>): Promise<ExecutionError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ExecutionError);
  return e as ExecutionError;
}

describe("bad input gives one clear error", () => {
  it("names an unknown input", () => {
    const e = thrown(() => exe.run({ image: x }));
    expect(e.code).toBe("unknown_input");
    expect(e.message).toContain('"image"');
    expect(e.message).toContain("x");
  });

  it("names a missing input", () => {
    expect(thrown(() => exe.run({})).code).toBe("missing_input");
  });

  it("names the input with the wrong shape, with the expected shape", () => {
    const e = thrown(() => exe.run({ x: { shape: [1, 4, 4, 3], data: new Float32Array(48) } }));
    expect(e.code).toBe("input_shape");
    expect(e.message).toContain('"x"');
    expect(e.message).toContain("[N,4,4,2]");
    expect(thrown(() => exe.run({ x: { shape: [4, 4, 2], data: new Float32Array(32) } })).code).toBe(
      "input_shape",
    );
    expect(thrown(() => exe.run({ x: { shape: [2, 4, 4, 2], data: new Float32Array(32) } })).code).toBe(
      "input_shape",
    );
  });

  it("rejects a non-float32 input", () => {
    const data = new Float64Array(32) as unknown as Float32Array;
    expect(thrown(() => exe.run({ x: { shape: [1, 4, 4, 2], data } })).code).toBe("input_dtype");
  });

  it("names a missing or misshapen weight at prepare", () => {
    const missing = new Map(weights);
    missing.delete("bn/gamma");
    const e = thrown(() => prepare(graph, missing));
    expect(e.code).toBe("missing_weight");
    expect(e.message).toContain('"bn/gamma"');
    const wrong = new Map(weights);
    wrong.set("c/kernel", { shape: [3, 3, 2, 4], data: new Float32Array(72) });
    expect(thrown(() => prepare(graph, wrong)).message).toContain("expected [3,3,2,3]");
  });

  it("reports a truncated weights file, a wrong dtype and a wrong shape when loading", async () => {
    const good = join(dir, "good");
    await saveWeights(good, weights);
    const bin = readFileSync(join(good, "weights.bin"));
    const truncated = join(dir, "truncated");
    await saveWeights(truncated, weights);
    writeFileSync(join(truncated, "weights.bin"), bin.subarray(0, bin.length - 8));
    const t = await rejected(loadWeights(truncated, graph));
    expect(t.code).toBe("weights_truncated");
    expect(t.message).toMatch(/weight "bn\/movingVariance" needs bytes/);

    const dtype = join(dir, "dtype");
    await saveWeights(dtype, weights);
    const manifest = JSON.parse(readFileSync(join(dtype, "weights.json"), "utf8"));
    manifest.weights[0].dtype = "float16";
    writeFileSync(join(dtype, "weights.json"), JSON.stringify(manifest));
    const d = await rejected(loadWeights(dtype, graph));
    expect(d.code).toBe("weight_dtype");
    expect(d.message).toContain('"c/kernel"');

    const other = loadGraph({
      fusegraph: 1,
      name: "other",
      inputs: { x: [4, 4, 2] },
      nodes: { c: { op: "conv2d", input: "x", filters: 5, kernelSize: 3 } },
      outputs: ["c"],
    });
    const s = await rejected(loadWeights(good, other));
    expect(s.code).toBe("weight_shape");
    expect(s.message).toContain('"c/kernel"');
    expect((await rejected(loadWeights(join(dir, "absent")))).code).toBe("weights_io");
  });

  it("refuses to run after dispose", () => {
    const e2 = prepare(graph, weights, { threads: 1 });
    e2.dispose();
    expect(thrown(() => e2.run({ x })).code).toBe("disposed");
  });
});

describe.each(["wasm", "js"] as const)("NaN (%s kernels)", (kernel) => {
  it("propagates through conv, batchNorm, relu and max pooling without throwing", () => {
    const e = prepare(graph, weights, { threads: 1, kernel });
    expect(e.kernel).toBe(kernel);
    const data = new Float32Array(32).fill(0.5);
    data[0] = Number.NaN;
    const out = e.run({ x: { shape: [1, 4, 4, 2], data } }).gap!;
    expect(out.shape).toEqual([1, 3]);
    expect([...out.data].every(Number.isNaN)).toBe(true);
    expect([...e.run({ x }).gap!.data].some(Number.isNaN)).toBe(false);
    e.dispose();
  });
});
