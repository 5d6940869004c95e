import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initWeights, loadGraph } from "@fusegraph/dsl";
import { afterAll, describe, expect, it } from "vitest";
import { prepare } from "./prepare.js";
import { loadWeights, saveWeights } from "./weights-io.js";

const dir = mkdtempSync(join(tmpdir(), "fusegraph-cpu-weights-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const graph = loadGraph({
  fusegraph: 1,
  name: "mlp",
  inputs: { x: [3] },
  nodes: {
    h: { op: "dense", input: "x", units: 2 },
    bn: { op: "batchNorm", input: "h", center: false },
  },
  outputs: ["bn"],
});

describe("weights format", () => {
  it("writes a manifest with names, shapes, dtype and byte offsets, and little-endian floats", async () => {
    const weights = initWeights(graph, { seed: 2 });
    weights.get("h/kernel")!.data.set([1.5, -2, 0.25, 3, 4, 5]);
    const target = join(dir, "mlp");
    const manifest = await saveWeights(target, weights);
    expect(readdirSync(dir)).toEqual(["mlp"]);
    const onDisk = JSON.parse(readFileSync(join(target, "weights.json"), "utf8"));
    expect(onDisk).toEqual(manifest);
    expect(manifest.format).toBe("fusegraph-weights");
    expect(manifest.weights.map((w) => [w.name, w.shape, w.dtype, w.offset, w.byteLength])).toEqual([
      ["h/kernel", [3, 2], "float32", 0, 24],
      ["h/bias", [2], "float32", 24, 8],
      ["bn/gamma", [2], "float32", 32, 8],
      ["bn/movingMean", [2], "float32", 40, 8],
      ["bn/movingVariance", [2], "float32", 48, 8],
    ]);
    const bin = readFileSync(join(target, "weights.bin"));
    expect(bin.length).toBe(56);
    expect(bin.readFloatLE(0)).toBe(1.5);
    expect(bin.readFloatLE(4)).toBe(-2);
    expect(bin.readFloatLE(48)).toBe(1);
  });

  it("round-trips: loaded weights give bit-identical outputs", async () => {
    const weights = initWeights(graph, { seed: 9 });
    const target = join(dir, "roundtrip");
    await saveWeights(target, weights);
    const loaded = await loadWeights(target, graph);
    expect([...loaded.keys()]).toEqual([...weights.keys()]);
    const x = { shape: [2, 3], data: Float32Array.from([1, 2, 3, -1, 0.5, 2]) };
    const a = prepare(graph, weights, { threads: 1 }).run({ x }).bn!;
    const b = prepare(graph, loaded, { threads: 1 }).run({ x }).bn!;
    expect(b.data).toEqual(a.data);
  });

  it("replaces an existing directory atomically and rejects foreign names", async () => {
    const target = join(dir, "replace");
    const w1 = initWeights(graph, { seed: 1 });
    await saveWeights(target, w1);
    const w2 = initWeights(graph, { seed: 2 });
    await expect(saveWeights(target, w2)).rejects.toThrow(/already exists/);
    await saveWeights(target, w2, { overwrite: true });
    expect((await loadWeights(target)).get("h/kernel")!.data).toEqual(w2.get("h/kernel")!.data);
    const extra = new Map(w2);
    extra.set("ghost/kernel", { shape: [1], data: new Float32Array(1) });
    await saveWeights(target, extra, { overwrite: true });
    await expect(loadWeights(target, graph)).rejects.toThrow(/"ghost\/kernel" .* belongs to no node/);
  });

  it("rejects a binary file longer than its manifest describes", async () => {
    const target = join(dir, "long");
    const w = initWeights(graph, { seed: 3 });
    await saveWeights(target, w);
    const bin = join(target, "weights.bin");
    const bytes = readFileSync(bin);
    writeFileSync(bin, Buffer.concat([bytes, Buffer.alloc(4)]));
    await expect(loadWeights(target, graph)).rejects.toMatchObject({
      code: "weights_format",
      message: expect.stringContaining(`has ${bytes.length + 4} bytes but`),
    });
  });
});
