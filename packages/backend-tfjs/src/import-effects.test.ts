import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadGraph, type SpecDocumentInput } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle, pkgDir, rootDir } from "./__fixtures__/bundle.js";
import { randomData } from "./__fixtures__/graph.js";
import { useBackend } from "./backend.js";
import { compile } from "./compile.js";
import { saveModel } from "./io.js";

// Each case runs in a fresh Node process, since what is checked is tfjs's global state after import.
// The package (node entry, and the layers entry) is bundled from source with tfjs external, so the
// child uses the one real @tensorflow/tfjs of node_modules, as an app would; no build is needed.

/** Uses WeightedAdd, Resize and GroupConv2d: a model that only loads with fusegraph's layers registered. */
const SPEC: SpecDocumentInput = {
  fusegraph: 1,
  name: "effects",
  inputs: { a: [4, 4, 2], b: [2, 2, 2] },
  nodes: {
    up: { op: "upsample", input: "b", like: "a", mode: "bilinear" },
    fuse: { merge: "weightedAdd", inputs: ["a", "up"], normalize: "softmax" },
    g: { op: "conv2d", input: "fuse", filters: 4, kernelSize: 3, padding: "same", groups: 2 },
  },
  outputs: ["g"],
};

// Under node_modules, so bare imports in the bundles ("@tensorflow/tfjs") resolve to the repo's copy.
mkdirSync(join(rootDir, "node_modules", ".cache"), { recursive: true });
const work = mkdtempSync(join(rootDir, "node_modules", ".cache", "fusegraph-effects-"));
const modelDir = join(work, "model");
const inputs = { a: randomData(32, 1), b: randomData(8, 2) };
let want: number[] = [];

const CHILD = `
import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
const [mode, work] = process.argv.slice(1);
const snap = () => ({
  backend: tf.getBackend() ?? null,
  registry: Object.keys(tf.engine().registryFactory).sort(),
  flags: { ...tf.env().getFlags() },
});
const fusegraphClasses = () =>
  Object.keys(tf.serialization.SerializationMap.getMap().classNameMap).filter((n) => n.startsWith("Fusegraph")).sort();
const x = JSON.parse(readFileSync(work + "/inputs.json", "utf8"));
// Made on use: creating a tensor starts a backend, which some cases must not do early.
const xs = () => [tf.tensor(x.a, [1, 4, 4, 2]), tf.tensor(x.b, [1, 2, 2, 2])];
const out = { mode };
const step = async (name, f) => {
  try { out[name] = await f(); } catch (e) { out[name] = { error: e.name, code: e.code, message: e.message }; }
};
out.before = snap();
if (mode === "control") {
  // What the package used to do on import: register the wasm backend and set PROD.
  await import("@tensorflow/tfjs-backend-wasm");
  tf.env().set("PROD", true);
  out.after = snap();
} else if (mode === "layers" || mode === "no-layers") {
  out.classesBefore = fusegraphClasses();
  if (mode === "layers") await import(work + "/layers.mjs");
  out.after = snap();
  out.classesAfter = fusegraphClasses();
  const json = JSON.parse(readFileSync(work + "/model/model.json", "utf8"));
  const bin = readFileSync(work + "/model/weights.bin");
  const artifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
  };
  await step("predicted", async () => {
    const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    return Array.from(await model.predict(xs()).data());
  });
} else {
  const m = await import(work + "/node.mjs");
  out.after = snap();
  if (mode === "wasm-first") await import("@tensorflow/tfjs-backend-wasm");
  const graph = m.loadGraph(JSON.parse(readFileSync(work + "/spec.json", "utf8")));
  if (mode === "compile" || mode === "wasm-first") {
    await step("compiled", () => m.compile(graph, { seed: 1 }).countParams());
  }
  await step("loaded", async () => {
    const model = await m.loadModel(work + "/model");
    return Array.from(await model.predict(xs()).data());
  });
  await step("predicted", async () => {
    const model = await m.loadModel(work + "/model");
    const r = await m.predict(model, graph, { a: { shape: [1, 4, 4, 2], data: x.a }, b: { shape: [1, 2, 2, 2], data: x.b } });
    return Array.from(r.g.data);
  });
  if (mode === "wasm-first") {
    await tf.ready();
    await step("compiledAfterReady", () => m.compile(graph, { seed: 1 }).countParams());
  }
  out.backendAtEnd = tf.getBackend();
}
process.stdout.write(JSON.stringify(out));
`;

interface Snapshot {
  backend: string | null;
  registry: string[];
  flags: Record<string, unknown>;
}
type Step = number | number[] | { error: string; code?: string; message: string };
interface ChildResult {
  before: Snapshot;
  after: Snapshot;
  classesBefore?: string[];
  classesAfter?: string[];
  compiled?: Step;
  compiledAfterReady?: Step;
  loaded?: Step;
  predicted?: Step;
  backendAtEnd?: string;
}

function child(mode: string): ChildResult {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", CHILD, mode, work], {
    cwd: pkgDir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return JSON.parse(out) as ChildResult;
}

function expectClose(got: Step | undefined, expected: number[]): void {
  expect(Array.isArray(got), JSON.stringify(got)).toBe(true);
  const g = got as number[];
  expect(g.length).toBe(expected.length);
  const diff = Math.max(...g.map((v, i) => Math.abs(v - expected[i]!)));
  expect(diff).toBeLessThan(1e-5);
}

beforeAll(async () => {
  await useBackend("cpu");
  const graph = loadGraph(SPEC);
  const model = compile(graph, { seed: 4 });
  await saveModel(model, modelDir);
  const y = model.predict([
    tf.tensor(inputs.a, [1, 4, 4, 2]),
    tf.tensor(inputs.b, [1, 2, 2, 2]),
  ]) as tf.Tensor;
  want = Array.from(await y.data());
  writeFileSync(join(work, "spec.json"), JSON.stringify(SPEC));
  writeFileSync(join(work, "inputs.json"), JSON.stringify({ a: [...inputs.a], b: [...inputs.b] }));
  await bundle("@fusegraph/backend-tfjs/node", "node", {
    outfile: join(work, "node.mjs"),
    entry: `export * from "@fusegraph/backend-tfjs/node"; export { loadGraph } from "@fusegraph/dsl";`,
  });
  await bundle("@fusegraph/backend-tfjs/layers", "browser", { outfile: join(work, "layers.mjs") });
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("importing the package changes no tfjs global state", () => {
  it("leaves tf.getBackend(), the backend registry and tf.env flags as they were; loadModel and predict work straight away", () => {
    const r = child("import");
    expect(r.after).toEqual(r.before);
    expect(r.before.registry).not.toContain("wasm");
    expectClose(r.loaded, want);
    expectClose(r.predicted, want);
    expect(r.backendAtEnd).toBe("cpu");
  });

  it("negative control: the same snapshot notices the wasm backend's import and the PROD flag", () => {
    const r = child("control");
    expect(r.after.registry).toEqual([...r.before.registry, "wasm"].sort());
    expect(r.after.flags.PROD).toBe(true);
    expect(r.before.flags.PROD).not.toBe(true);
  });

  it("compile works straight after import (tfjs's cpu backend starts synchronously)", () => {
    const r = child("compile");
    expect(r.compiled).toBeTypeOf("number");
    expect(r.compiled).toBeGreaterThan(0);
  });

  it("with the app's wasm backend registered and pending: compile names the problem, loadModel and predict await it", () => {
    const r = child("wasm-first");
    expect(r.compiled).toMatchObject({ error: "BackendError", code: "backend_not_ready" });
    expect((r.compiled as { message: string }).message).toMatch(
      /"wasm" is not initialised.*await tf\.ready\(\)/,
    );
    expectClose(r.loaded, want);
    expectClose(r.predicted, want);
    expect(r.compiledAfterReady).toBeGreaterThan(0);
    expect(r.backendAtEnd).toBe("wasm");
  });
});

describe("@fusegraph/backend-tfjs/layers", () => {
  it("registers every fusegraph layer with the app's tfjs, so plain tf.loadLayersModel loads and predicts", () => {
    const r = child("layers");
    expect(r.classesBefore).toEqual([]);
    expect(r.classesAfter).toEqual(
      [
        "BiasAdd",
        "DilatedConv2DTranspose",
        "FusionWeights",
        "GroupConv2D",
        "Pool2D",
        "Resize",
        "ScaleBy",
        "Softmax",
        "WeightedAdd",
      ]
        .map((n) => `Fusegraph${n}`)
        .sort(),
    );
    expect(r.after).toEqual(r.before);
    expectClose(r.predicted, want);
  });

  it("negative control: without the import, tf.loadLayersModel fails on the custom layer", () => {
    const r = child("no-layers");
    expect(r.classesAfter).toEqual([]);
    expect(r.predicted).toMatchObject({ message: expect.stringMatching(/Unknown layer: Fusegraph/) });
  });
});
