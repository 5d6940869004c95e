import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile, predict, useBackend } from "@fusegraph/backend-tfjs";
import type { Graph, TensorData, WeightMap } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { relativeError, seededInputs } from "./__fixtures__/agreement.js";
import { graphOf } from "./__fixtures__/graphs.js";
import { nonTrivialWeights } from "./__fixtures__/weights.js";
import { listExamples } from "./index.js";

/** The brief's bound: max |portable - trainable| over the output's max |value|. */
const TOLERANCE = 1e-4;
const SAMPLES = new URL("../../cli/samples/", import.meta.url);

const backend = await useBackend("wasm");

/** model.json's layer class names and its weight bytes, saved through tfjs's own save handler. */
async function saved(
  model: tf.LayersModel,
): Promise<{ json: tf.io.ModelJSON; weights: ArrayBuffer; classes: Set<string> }> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  const a = artifacts!;
  const json: tf.io.ModelJSON = {
    modelTopology: a.modelTopology ?? {},
    format: a.format,
    weightsManifest: [{ paths: ["./weights.bin"], weights: a.weightSpecs ?? [] }],
  };
  const topology = a.modelTopology as { config: { layers: { class_name: string }[] } };
  return {
    json,
    weights: a.weightData ? tf.io.CompositeArrayBuffer.join(a.weightData) : new ArrayBuffer(0),
    classes: new Set(topology.config.layers.map((l) => l.class_name)),
  };
}

/** Runs ES module code in a fresh Node process that imports only what the code imports. */
function plainNode(code: string, args: string[] = []): string {
  return execFileSync(process.execPath, ["--input-type=module", "-e", code, "--", ...args], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
}

/** tfjs's built-in layer classes, from a process that imports nothing but @tensorflow/tfjs. */
const BUILTIN_CLASSES: ReadonlySet<string> = new Set(
  JSON.parse(
    plainNode(`import * as tf from "@tensorflow/tfjs";
const map = tf.serialization.SerializationMap.getMap().classNameMap;
process.stdout.write(JSON.stringify(Object.keys(map)));`),
  ) as string[],
);

async function run(
  graph: Graph,
  target: "trainable" | "portable",
  weights: WeightMap,
  inputs: Record<string, TensorData>,
) {
  const model = compile(graph, { weights, target });
  try {
    return await predict(model, graph, inputs);
  } finally {
    model.dispose();
  }
}

const specs: [string, () => Graph][] = [
  ...listExamples().map((e) => [e.name, () => graphOf(e.smallSpec())] as [string, () => Graph]),
  ...readdirSync(SAMPLES)
    .filter((f) => f.endsWith(".yaml"))
    .map(
      (f) =>
        [`sample:${f}`, () => graphOf(readFileSync(new URL(f, SAMPLES), "utf8"))] as [string, () => Graph],
    ),
];

/** The specs reloaded in plain tfjs: every merge, resize and fold kind the examples use, at moderate size. */
const RELOADED = [
  "hed",
  "cpn-resnet50",
  "lstm-cell",
  "sample:tiny-fpn-two-ways.yaml",
  "sample:tiny-hed.yaml",
  "sample:tiny-unet.yaml",
];

/** One spec with seed-3 weights and inputs: the trainable model's outputs and the portable model, saved. */
interface Portable {
  graph: Graph;
  inputs: Record<string, TensorData>;
  want: Record<string, TensorData>;
  got: Record<string, TensorData>;
  classes: Set<string>;
  /** model.json and weights, kept only for the RELOADED specs (the large ones' weights run to 100s of MB). */
  json?: tf.io.ModelJSON;
  weights?: ArrayBuffer;
}

const portables = new Map<string, Promise<Portable>>();

/**
 * The spec's models, built once and shared by the tests below (compiling the portable model is most of
 * each test's time); a test run alone (-t) builds what it needs itself.
 */
function portableOf(name: string, make: () => Graph): Promise<Portable> {
  let p = portables.get(name);
  if (!p) {
    p = (async () => {
      const graph = make();
      const weights = nonTrivialWeights(graph, 3);
      const inputs = seededInputs(graph, 3);
      const want = await run(graph, "trainable", weights, inputs);
      const model = compile(graph, { weights, target: "portable" });
      try {
        const got = await predict(model, graph, inputs);
        const { json, weights: bin, classes } = await saved(model);
        const keep = RELOADED.includes(name);
        return { graph, inputs, want, got, classes, ...(keep ? { json, weights: bin } : {}) };
      } finally {
        model.dispose();
      }
    })();
    portables.set(name, p);
  }
  return p;
}

describe(`portable models agree with trainable ones on tfjs-${backend}`, () => {
  it.for(specs)("%s", async ([name, make]) => {
    const { graph, want, got } = await portableOf(name, make);
    for (const id of graph.outputs) {
      const { error, scale } = relativeError(got[id]!.data, want[id]!.data);
      expect(scale, `output "${id}" scale`).toBeGreaterThan(0);
      expect(error, `output "${id}" relative error (scale ${scale})`).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});

describe("portable model.json", () => {
  it("the built-in list is tfjs's own: it has the core layers and no fusegraph class", () => {
    for (const c of ["Conv2D", "Dense", "BatchNormalization", "UpSampling2D", "Rescaling", "Concatenate"])
      expect(BUILTIN_CLASSES).toContain(c);
    expect([...BUILTIN_CLASSES].filter((c) => c.startsWith("Fusegraph"))).toEqual([]);
  });

  it.for(specs)("%s holds only built-in layer classes", async ([name, make]) => {
    const { classes } = await portableOf(name, make);
    expect([...classes].filter((c) => !BUILTIN_CLASSES.has(c))).toEqual([]);
  });

  it("negative control: the trainable HED model.json holds a non-built-in class, the portable one folds it away", async () => {
    const graph = graphOf(
      listExamples()
        .find((e) => e.name === "hed")!
        .smallSpec(),
    );
    for (const target of ["trainable", "portable"] as const) {
      const model = compile(graph, { target });
      try {
        const { classes } = await saved(model);
        const foreign = [...classes].filter((c) => !BUILTIN_CLASSES.has(c));
        if (target === "trainable") expect(foreign).toContain("FusegraphWeightedAdd");
        else expect(foreign).toEqual([]);
      } finally {
        model.dispose();
      }
    }
  });

  it("folds every batchNorm and bakes every fusion weight (none is left as a layer of its own)", () => {
    for (const name of ["resnet50", "fpn-resnet50", "hed"]) {
      const graph = graphOf(
        listExamples()
          .find((e) => e.name === name)!
          .smallSpec(),
      );
      const model = compile(graph, { target: "portable" });
      try {
        const classes = model.layers.map((l) => l.getClassName());
        expect(classes, name).not.toContain("BatchNormalization");
        if (name === "hed") expect(classes).toContain("Rescaling");
      } finally {
        model.dispose();
      }
    }
  });
});

describe("portable models load in plain tfjs (a process that never imports fusegraph)", () => {
  it("gives the trainable model's outputs within 1e-4, and a perturbed weight file does not", {
    timeout: 300_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "fusegraph-portable-"));
    try {
      const cases: { name: string; graph: Graph; want: Record<string, TensorData> }[] = [];
      for (const [name, make] of specs.filter(([n]) => RELOADED.includes(n))) {
        const { graph, inputs, want, json, weights: bin } = await portableOf(name, make);
        if (!json || !bin) throw new Error(`${name}: the portable model was not kept`);
        const bad = new Float32Array(bin.slice(0));
        for (let i = 0; i < bad.length; i += 7) bad[i] = (bad[i] ?? 0) + 0.5;
        const stem = join(dir, String(cases.length));
        writeFileSync(`${stem}.model.json`, JSON.stringify(json));
        writeFileSync(`${stem}.weights.bin`, new Uint8Array(bin));
        writeFileSync(`${stem}.bad.bin`, new Uint8Array(bad.buffer));
        writeFileSync(
          `${stem}.inputs.json`,
          JSON.stringify(
            graph.inputs.map((i) => ({ shape: inputs[i.id]!.shape, data: Array.from(inputs[i.id]!.data) })),
          ),
        );
        cases.push({ name, graph, want });
      }
      const out = plainNode(
        `import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { readFileSync } from "node:fs";
await tf.setBackend("wasm");
const [dir, count] = process.argv.slice(-2);
const results = [];
for (let k = 0; k < Number(count); k++) {
  const stem = dir + "/" + k;
  const json = JSON.parse(readFileSync(stem + ".model.json", "utf8"));
  const inputs = JSON.parse(readFileSync(stem + ".inputs.json", "utf8"));
  const row = {};
  for (const bin of ["weights", "bad"]) {
    const buf = readFileSync(stem + "." + bin + ".bin");
    const model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
    }));
    const xs = inputs.map((t) => tf.tensor(t.data, t.shape));
    const y = model.predict(xs.length === 1 ? xs[0] : xs);
    row[bin] = (Array.isArray(y) ? y : [y]).map((t) => Array.from(t.dataSync()));
  }
  results.push(row);
}
process.stdout.write(JSON.stringify(results));`,
        [dir, String(cases.length)],
      );
      const results = JSON.parse(out) as { weights: number[][]; bad: number[][] }[];
      expect(results).toHaveLength(RELOADED.length);
      results.forEach((r, k) => {
        const { name, graph, want } = cases[k]!;
        graph.outputs.forEach((id, j) => {
          const good = relativeError(Float32Array.from(r.weights[j]!), want[id]!.data);
          expect(good.scale, `${name} output "${id}" scale`).toBeGreaterThan(0);
          expect(good.error, `${name} output "${id}"`).toBeLessThanOrEqual(TOLERANCE);
        });
        // Negative control: the comparison notices wrong weights.
        const worst = Math.max(
          ...graph.outputs.map((id, j) => relativeError(Float32Array.from(r.bad[j]!), want[id]!.data).error),
        );
        expect(worst, `${name} with perturbed weights`).toBeGreaterThan(TOLERANCE);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
