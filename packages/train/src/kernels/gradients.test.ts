import { compile } from "@fusegraph/backend-tfjs";
import { type Graph, loadGraph, ops } from "@fusegraph/dsl";
import { type OpCase, opCases, randomData, randomInputs, relError } from "@fusegraph/dsl/testing";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enableWasmTraining, type WasmTrainingHandle } from "./enable.js";

// End-to-end gradients of every op and merge (dsl's conformance cases, compiled by backend-tfjs): wasm
// with enableWasmTraining vs tfjs-cpu vs central finite differences, for every trainable weight and input.

/**
 * Cases whose gradient tfjs itself cannot take, on any backend (checked below: cpu fails with the same
 * message). A case listed here that starts working fails the test, so the list stays honest.
 */
const TFJS_LIMITS: Readonly<Record<string, RegExp>> = {
  // tfjs-layers' BatchNormalization reads gamma in training mode even with scale: false (normalization.ts:372).
  "batchNorm/no-center-no-scale": /Cannot read properties of undefined \(reading 'read'\)/,
  "conv2d/dilation-explicit-pads": /dilation rates greater than 1 are not yet supported in gradients/,
};

/**
 * Cases where tfjs-cpu's gradient is wrong and the wasm kernels are right: checked against finite
 * differences at every entry instead, and cpu is shown to disagree (fails once tfjs fixes it).
 */
const TFJS_CPU_WRONG: Readonly<Record<string, string>> = {
  "avgPool/same-excludes-pads": "tfjs's AvgPoolGrad divides by the full window; the forward excludes padding",
};

const BATCH = 2;

function kindsOf(c: OpCase): string[] {
  return Object.values(c.spec.nodes).map((n) => {
    const node = n as { op?: string; merge?: string };
    return node.op ?? node.merge ?? "";
  });
}

interface Grads {
  names: string[];
  values: Float32Array[];
  loss: number;
}

/** sum over outputs of sum(y * r) and its gradient for every trainable weight and every input reached. */
function gradsOf(
  graph: Graph,
  training: boolean,
): { grads: Grads; fd: (k: number, i: number, eps: number) => number } {
  const model = compile(graph, { seed: 5 });
  const inputs = randomInputs(graph, 7, BATCH);
  const xs = graph.inputs.map((i) =>
    tf.variable(tf.tensor(inputs[i.id]!.data, [...inputs[i.id]!.shape]), true),
  );
  const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const vars = [...weights, ...xs];
  const names = [
    ...model.trainableWeights.map((w) => w.originalName),
    ...graph.inputs.map((i) => `input ${i.id}`),
  ];
  const proj = new Map<number, tf.Tensor>();
  const loss = () => {
    const y = model.apply(xs.length === 1 ? xs[0]! : xs, { training });
    const ys = (Array.isArray(y) ? y : [y]) as tf.Tensor[];
    return tf.addN(
      ys.map((t, k) => {
        if (!proj.has(k)) proj.set(k, tf.keep(tf.tensor(randomData(t.size, 100 + k), t.shape)));
        return tf.sum(tf.mul(t, proj.get(k)!));
      }),
    ) as tf.Scalar;
  };
  const { value, grads } = tf.variableGrads(loss, vars);
  const out: Grads = {
    names: [],
    values: [],
    loss: value.dataSync()[0]!,
  };
  vars.forEach((v, k) => {
    const g = grads[v.name];
    out.names.push(g ? names[k]! : `${names[k]!} (unreached)`);
    out.values.push(g ? Float32Array.from(g.dataSync()) : new Float32Array());
  });
  tf.dispose([value, ...Object.values(grads)]);
  const fd = (k: number, i: number, eps: number) => {
    const v = vars[k]!;
    const base = v.dataSync().slice() as Float32Array;
    const at = (d: number) => {
      const p = base.slice();
      p[i] = base[i]! + d;
      v.assign(tf.tensor(p, v.shape));
      return tf.tidy(() => loss().dataSync()[0]!);
    };
    const r = (at(eps) - at(-eps)) / (2 * eps);
    v.assign(tf.tensor(base, v.shape));
    return r;
  };
  return { grads: out, fd };
}

let handle: WasmTrainingHandle;

beforeAll(async () => {
  tf.env().set("PROD", true);
  await tf.setBackend("wasm");
  handle = enableWasmTraining();
});
afterAll(async () => {
  handle.dispose();
  await tf.setBackend("cpu");
});

describe("gradients of every op and merge: wasm (enableWasmTraining) vs tfjs-cpu vs finite differences", () => {
  it("every op kind of the dsl has a gradient case that runs (not only a tfjs limitation)", () => {
    const covered = new Set(opCases.filter((c) => !(c.name in TFJS_LIMITS)).flatMap(kindsOf));
    const missing = Object.keys(ops).filter((k) => !covered.has(k));
    expect(missing).toEqual([]);
    expect(Object.keys(TFJS_LIMITS).filter((n) => !opCases.some((c) => c.name === n))).toEqual([]);
  });

  for (const c of opCases) {
    const limit = TFJS_LIMITS[c.name];
    if (limit) {
      it(`${c.name}: tfjs cannot take this gradient on cpu either (${limit.source})`, async () => {
        const graph = loadGraph(c.spec);
        await tf.setBackend("cpu");
        expect(() => gradsOf(graph, true)).toThrow(limit);
        await tf.setBackend("wasm");
        expect(() => gradsOf(graph, true)).toThrow(limit);
      });
      continue;
    }
    it(c.name, async () => {
      const graph = loadGraph(c.spec);
      // Dropout is random in training: compare it in inference mode.
      const training = !kindsOf(c).includes("dropout");
      await tf.setBackend("cpu");
      const want = gradsOf(graph, training).grads;
      tf.disposeVariables();
      await tf.setBackend("wasm");
      const scope = gradsOf(graph, training);
      const got = scope.grads;
      expect(got.names).toEqual(want.names);
      expect(got.names.some((n) => !n.endsWith("(unreached)"))).toBe(true);
      expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want.loss)));
      if (c.name in TFJS_CPU_WRONG) {
        got.values.forEach((g, k) => {
          const fd = Float32Array.from(g, (_, i) => scope.fd(k, i, 1e-2));
          expect(relError(g, fd), got.names[k]).toBeLessThan(1e-3);
          expect(relError(want.values[k]!, fd), `cpu ${got.names[k]}`).toBeGreaterThan(1e-2);
        });
        tf.disposeVariables();
        return;
      }
      got.values.forEach((g, k) => {
        expect(relError(g, want.values[k]!), got.names[k]).toBeLessThan(1e-4);
        if (g.length === 0) return;
        // Central differences at the largest entry of each gradient (float32, relu and max kinks: 5%).
        let i = 0;
        for (let j = 1; j < g.length; j++) if (Math.abs(g[j]!) > Math.abs(g[i]!)) i = j;
        // The largest entry of a max-pooled input is often one that several windows pick, so a rival
        // value may sit within one step: a smaller step (float32 permitting) steps clear of that kink.
        const fds = [1e-2, 2e-3].map((eps) => scope.fd(k, i, eps));
        const off = Math.min(...fds.map((fd) => Math.abs(fd - g[i]!) / Math.max(1, Math.abs(fd))));
        expect(off, `${got.names[k]}[${i}]: fd ${fds.join(", ")} vs ${g[i]}`).toBeLessThan(5e-2);
      });
      tf.disposeVariables();
    });
  }
});
