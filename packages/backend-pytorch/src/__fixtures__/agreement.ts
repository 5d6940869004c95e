import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadWeights, prepare, saveWeights } from "@fusegraph/backend-cpu";
import {
  type Graph,
  initWeights,
  loadGraph,
  type SpecDocumentInput,
  type TensorData,
  type WeightMap,
} from "@fusegraph/dsl";
import { opCases } from "@fusegraph/dsl/testing";
import { listExamples } from "@fusegraph/examples";
import { beforeAll, describe, expect, it } from "vitest";
import { exportPytorch } from "../index.js";
import {
  randomData,
  randomInputs,
  readRaw,
  relError,
  runDriver,
  tempDir,
  titled,
  torchSkipReason,
  writeRaw,
} from "./python.js";

const TOLERANCE = 1e-4;
/** Examples with more weights skip the save_fusegraph_weights round trip (ResNet-18, DenseNets and HED keep it). */
const RESAVE_LIMIT = 15_000_000;

function weightCount(weights: WeightMap): number {
  let n = 0;
  for (const w of weights.values()) n += w.data.length;
  return n;
}
const torchSkip = torchSkipReason();

export interface Case {
  name: string;
  graph: Graph;
  weights: WeightMap;
  inputs: Record<string, TensorData>;
  tolerance: number;
}

/** Seeded weights, with the ones Keras starts at 0 or 1 (biases, batchNorm statistics) made non-trivial. */
function weightsFor(graph: Graph): WeightMap {
  const weights = initWeights(graph, { seed: 17 });
  for (const [key, w] of weights) {
    if (/bias$|beta$|movingMean$/.test(key))
      w.data.set(randomData(w.data.length, key.length).map((v) => v * 0.5));
    if (/gamma$|movingVariance$/.test(key))
      w.data.set(randomData(w.data.length, key.length).map((v) => 1 + 0.5 * v));
  }
  return weights;
}

/**
 * What the exporter adds beyond single ops: shared weights between nodes with different windows, ids
 * that sanitise alike or are Python words, a dead weighted node, several outputs, and the layouts of
 * ranks 2 and 4 and of axis-taking ops on images.
 */
const exportCases: { name: string; spec: SpecDocumentInput }[] = [
  {
    name: "export/shared-weights",
    spec: {
      fusegraph: 1,
      name: "shared",
      inputs: { left: [6, 6, 3], right: [6, 6, 3] },
      nodes: {
        l: { op: "conv2d", input: "left", filters: 4, kernelSize: 3, padding: "same", strides: 2 },
        r: { op: "conv2d", input: "right", filters: 4, kernelSize: 3, padding: "valid", shareWeights: "l" },
        lbn: { op: "batchNorm", input: "l" },
        rbn: { op: "batchNorm", input: "r", shareWeights: "lbn" },
        lp: { op: "globalAvgPool", input: "lbn" },
        rp: { op: "globalMaxPool", input: "rbn" },
        w1: { merge: "weightedAdd", inputs: ["lp", "rp"], normalize: "softmax", bias: true, biasInit: 0.2 },
        w2: {
          merge: "weightedAdd",
          inputs: ["rp", "lp"],
          normalize: "softmax",
          bias: true,
          shareWeights: "w1",
        },
        m: { merge: "concat", inputs: ["w1", "w2"] },
      },
      outputs: ["m"],
    },
  },
  {
    name: "export/names-dead-node-outputs",
    spec: {
      fusegraph: 1,
      name: "names",
      inputs: { in: [4, 5, 2] },
      nodes: {
        "a.b": { op: "conv2d", input: "in", filters: 3, kernelSize: 1 },
        a_b: { op: "conv2d", input: "in", filters: 3, kernelSize: 2, padding: "same" },
        class: { merge: "add", inputs: ["a.b", "a_b"] },
        dead: { op: "dense", input: "class", units: 2 },
        self: { op: "activation", input: "class", fn: "sigmoid" },
      },
      outputs: ["self", "a.b"],
    },
  },
  {
    name: "export/layouts",
    spec: {
      fusegraph: 1,
      name: "layouts",
      inputs: { seq: [5, 4], image: [4, 3, 2], cube: [2, 3, 2, 3] },
      nodes: {
        sbn: { op: "batchNorm", input: "seq" },
        sd: { op: "dense", input: "sbn", units: 3 },
        ss: { op: "activation", input: "sd", fn: "softmax", axis: 0 },
        sl: { op: "lstm", input: "ss", units: 2, returnSequences: true },
        id: { op: "dense", input: "image", units: 2 },
        is: { op: "activation", input: "id", fn: "softmax", axis: 1 },
        ic: { merge: "concat", inputs: ["is", "image"], axis: 0 },
        if: { op: "flatten", input: "ic" },
        cbn: { op: "batchNorm", input: "cube", center: false },
        cf: { op: "flatten", input: "cbn" },
      },
      outputs: ["sl", "if", "cf"],
    },
  },
  {
    name: "export/windows",
    spec: {
      fusegraph: 1,
      name: "windows",
      inputs: { x: [7, 8, 2] },
      nodes: {
        a: {
          op: "avgPool",
          input: "x",
          poolSize: 3,
          strides: 2,
          dilation: 2,
          padding: [2, 1, 0, 2],
          countIncludePad: true,
          ceilMode: true,
        },
        b: { op: "maxPool", input: "x", poolSize: 2, strides: 2, padding: [1, 0, 1, 2], ceilMode: true },
        c: { op: "avgPool", input: "x", poolSize: 3, strides: 2, padding: "same", countIncludePad: true },
        d: { op: "conv2dTranspose", input: "x", filters: 3, kernelSize: 2, strides: 3, padding: "same" },
        e: {
          op: "conv2dTranspose",
          input: "x",
          filters: 2,
          kernelSize: 3,
          strides: 2,
          padding: [1, 0, 2, 1],
        },
      },
      outputs: ["a", "b", "c", "d", "e"],
    },
  },
];

/** Every shared op case (the merge modes included), and the exporter's own cases. */
export function opCaseList(): Case[] {
  return toCases([
    ...opCases.map((c) => ({ name: `op ${c.name}`, spec: c.spec, tolerance: c.tolerance })),
    ...exportCases,
  ]);
}

/**
 * The bundled examples at their small (CI) configuration, batch 1: `part` 0 or 1 takes every other
 * one, so that the two test files share the heavy ResNets and each stays well under a minute.
 */
export function exampleCaseList(part: 0 | 1): Case[] {
  const mine = listExamples().filter((_, i) => i % 2 === part);
  return toCases(mine.map((e) => ({ name: `example ${e.name}`, spec: e.smallSpec(), batch: 1 })));
}

function toCases(
  list: { name: string; spec: SpecDocumentInput; tolerance?: number | undefined; batch?: number }[],
): Case[] {
  return list.map(({ name, spec, tolerance, batch = 2 }) => {
    const graph = loadGraph(spec);
    return {
      name,
      graph,
      weights: weightsFor(graph),
      inputs: randomInputs(graph, 5, batch),
      tolerance: tolerance ?? TOLERANCE,
    };
  });
}

/**
 * One suite: each case's model.py (py_compile'd with its train_ddp.py) loads the weights backend-cpu
 * saved and must agree with backend-cpu's outputs; then PyTorch-initialised weights saved by
 * save_fusegraph_weights must give backend-cpu the module's outputs. `control` names a case with a
 * conv node `y` whose perturbed kernel must be detected. All python work runs in one process.
 */
export function agreementSuite(title: string, cases: Case[], control?: string): void {
  const dir = tempDir("agreement");
  interface Report {
    [job: string]: { ok: boolean; error?: string; seconds: number };
  }

  const expected = new Map<string, Record<string, TensorData>>();
  const files = new Map<
    string,
    { outputs: Record<string, string>; resaved: Record<string, string> | undefined }
  >();
  let report: Report = {};

  function outputShape(c: Case, id: string, batch: number): number[] {
    const n = c.graph.nodes.find((x) => x.id === id) ?? c.graph.inputs.find((x) => x.id === id);
    return [batch, ...(n?.shape ?? [])];
  }

  function readOutputs(c: Case, paths: Record<string, string>): Record<string, TensorData> {
    const batch = Object.values(c.inputs)[0]?.shape[0] ?? 1;
    return Object.fromEntries(
      Object.entries(paths).map(([id, file]) => [id, readRaw(file, outputShape(c, id, batch))]),
    );
  }

  describe.skipIf(torchSkip !== undefined)(titled(title, torchSkip), () => {
    beforeAll(async () => {
      const jobs: unknown[] = [];
      const addJob = async (c: Case, tag: string, weights: WeightMap, resave: boolean) => {
        const jobDir = join(dir, `${jobs.length}`);
        const { "model.py": model, "train_ddp.py": train } = exportPytorch(c.graph);
        await saveWeights(join(jobDir, "weights"), weights);
        writeFileSync(join(jobDir, "model.py"), model);
        writeFileSync(join(jobDir, "train_ddp.py"), train);
        const inputs = Object.fromEntries(
          Object.entries(c.inputs).map(([id, t], k) => [id, writeRaw(join(jobDir, `in${k}.f32`), t)]),
        );
        const outputs = Object.fromEntries(c.graph.outputs.map((id, k) => [id, join(jobDir, `out${k}.f32`)]));
        const resaved = Object.fromEntries(c.graph.outputs.map((id, k) => [id, join(jobDir, `re${k}.f32`)]));
        files.set(tag, { outputs, resaved: resave ? resaved : undefined });
        jobs.push({
          kind: "compare",
          name: tag,
          model: join(jobDir, "model.py"),
          compile: [join(jobDir, "model.py"), join(jobDir, "train_ddp.py")],
          weights: join(jobDir, "weights"),
          inputs,
          outputs,
          ...(resave ? { resave: { dir: join(jobDir, "resaved"), outputs: resaved } } : {}),
        });
      };
      for (const c of cases) {
        const cpu = prepare(c.graph, c.weights);
        try {
          expected.set(c.name, cpu.run(c.inputs));
        } finally {
          cpu.dispose();
        }
        // The round trip through save_fusegraph_weights writes every weight twice more: done for every op
        // case and the examples up to RESAVE_LIMIT weights (the larger ones repeat their layers).
        await addJob(c, c.name, c.weights, weightCount(c.weights) <= RESAVE_LIMIT);
      }
      const base = cases.find((c) => c.name === control);
      if (base) {
        const perturbed: WeightMap = new Map(
          [...base.weights].map(([k, w]) => [k, { shape: w.shape, data: w.data.slice() }]),
        );
        perturbed.get("y/kernel")!.data[0]! += 0.5;
        await addJob(base, "control", perturbed, false);
      }
      report = runDriver<Report>(jobs, dir);
    }, 120_000);

    for (const c of cases) {
      it(c.name, async () => {
        const r = report[c.name];
        expect(r?.error ?? "").toBe("");
        const got = readOutputs(c, files.get(c.name)!.outputs);
        for (const id of c.graph.outputs) {
          const want = expected.get(c.name)?.[id];
          expect(got[id]?.shape, `output "${id}" shape`).toEqual(want?.shape);
          expect(relError(got[id]?.data ?? [], want?.data ?? []), `output "${id}"`).toBeLessThan(c.tolerance);
        }
        // save_fusegraph_weights -> loadWeights -> backend-cpu reproduces the module's own outputs.
        const resaved = files.get(c.name)!.resaved;
        if (resaved === undefined) return;
        const back = await loadWeights(join(dir, `${cases.indexOf(c)}`, "resaved"), c.graph);
        const cpu = prepare(c.graph, back);
        try {
          const cpuOut = cpu.run(c.inputs);
          const torchOut = readOutputs(c, resaved);
          for (const id of c.graph.outputs) {
            expect(
              relError(cpuOut[id]?.data ?? [], torchOut[id]?.data ?? []),
              `resaved "${id}"`,
            ).toBeLessThan(c.tolerance);
          }
        } finally {
          cpu.dispose();
        }
      });
    }

    if (control !== undefined)
      it("negative control: one perturbed kernel value is detected", () => {
        const c = cases.find((x) => x.name === control)!;
        expect(report.control?.error ?? "").toBe("");
        const got = readOutputs(c, files.get("control")!.outputs);
        expect(relError(got.y?.data ?? [], expected.get(c.name)?.y?.data ?? [])).toBeGreaterThan(1e-2);
      });
  });
}
