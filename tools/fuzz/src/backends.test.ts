import { prepare } from "@fusegraph/backend-cpu";
import { compile, predict, useBackend } from "@fusegraph/backend-tfjs";
import { initWeights, loadGraph, type TensorData } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { type Case, miniature, smallCase } from "./cases.js";
import {
  type BackendOutcome,
  checkBackends,
  isSmall,
  outputsDiffer,
  seededInputs,
} from "./check-backends.js";
import { checkProperty, fuzzEnv, runsFrom, Slowest } from "./report.js";
import { optionsFor, SEEDS } from "./seeds.js";

const RUNS = runsFrom("FUSEGRAPH_FUZZ_BACKEND_RUNS", 150);
const env = fuzzEnv();

beforeAll(async () => {
  // Tests choose the runtime (the library never switches it): tfjs's plain-JS cpu backend, quietly.
  tf.env().set("PROD", true);
  await useBackend("cpu");
});

describe("backends fuzzer", () => {
  it(`valid small documents run on backend-cpu and backend-tfjs with the same outputs (${RUNS} runs)`, async () => {
    console.log(`fuzz backends: FUSEGRAPH_FUZZ_SEED=${env.seed} FUSEGRAPH_FUZZ_BACKEND_RUNS=${RUNS}`);
    const counts: Record<string, number> = { invalid: 0, large: 0, ran: 0, refused: 0 };
    const slowest = new Slowest();
    const tensors0 = tf.memory().numTensors;
    const t0 = performance.now();
    await checkProperty(
      "backends",
      fc.asyncProperty(smallCase, async (c: Case) => {
        const t = performance.now();
        const out: BackendOutcome = await checkBackends(c, env.seed);
        slowest.add(performance.now() - t, c);
        counts[out.kind === "ran" && out.refused ? "refused" : out.kind]!++;
      }),
      RUNS,
      env,
    );
    const s = (performance.now() - t0) / 1000;
    console.log(
      [
        `fuzz backends: ${RUNS} documents in ${s.toFixed(1)} s: ${counts.ran} ran on both and agree, ${counts.refused} refused with a typed error, ${counts.invalid} invalid, ${counts.large} too large to run`,
        "fuzz backends: slowest documents:",
        ...slowest.lines(),
      ].join("\n"),
    );
    // The property must exercise the backends, not only skip documents.
    expect(counts.ran).toBeGreaterThan(RUNS / 5);
    // Every model and tensor is freed (a leak per document would exhaust memory in CI's longer run).
    expect(tf.memory().numTensors).toBe(tensors0);
  }, 900_000);

  it("every seed's small twin validates and runs on both backends (the corpus the property mutates)", async () => {
    let ran = 0;
    for (const s of SEEDS) {
      const mini = miniature(s.doc);
      const c: Case = { label: s.name, input: mini, opts: optionsFor(s.file) };
      const out = await checkBackends(c, 1);
      if (out.kind === "ran") ran++;
    }
    // Nets that must stride down a 64x64 image refuse a 12x12 twin; the rest must run.
    expect(ran).toBeGreaterThanOrEqual(SEEDS.length / 2);
  }, 120_000);

  it("the comparison notices a wrong value, a one-sided NaN and a wrong shape (negative controls)", async () => {
    const s = SEEDS.find((x) => x.name.endsWith("tiny-hed.yaml"))!;
    const graph = loadGraph(JSON.stringify(miniature(s.doc)), { ...optionsFor(s.file), format: "json" });
    expect(isSmall(graph)).toBe(true);
    const weights = initWeights(graph, { seed: 3 });
    const inputs = seededInputs(graph, 4);
    const ex = prepare(graph, weights, { threads: 1 });
    const cpu = ex.run(inputs);
    ex.dispose();
    const model = compile(graph, { weights });
    const viaTfjs = await predict(model, graph, inputs);
    model.dispose();
    expect(outputsDiffer(cpu, viaTfjs)).toBeUndefined();
    const id = graph.outputs[0]!;
    const changed = (f: (t: TensorData) => TensorData) => ({ ...cpu, [id]: f(cpu[id]!) });
    const bumped = changed((t) => {
      const data = Float32Array.from(t.data);
      data[0] = data[0]! + 1e-2 * (Math.abs(data[0]!) + 1);
      return { shape: t.shape, data };
    });
    expect(outputsDiffer(bumped, viaTfjs)).toMatch(/tolerance/);
    const nan = changed((t) => {
      const data = Float32Array.from(t.data);
      data[1] = Number.NaN;
      return { shape: t.shape, data };
    });
    expect(outputsDiffer(nan, viaTfjs)).toMatch(/non-finite on one side only/);
    expect(outputsDiffer(nan, nan)).toBeUndefined();
    expect(
      outputsDiffer(
        changed((t) => ({ shape: [...t.shape].reverse(), data: t.data })),
        viaTfjs,
      ),
    ).toMatch(/shape/);
    // Other weights give other outputs, so agreement between the backends means something.
    const ex2 = prepare(graph, initWeights(graph, { seed: 9 }), { threads: 1 });
    expect(outputsDiffer(ex2.run(inputs), viaTfjs)).toBeDefined();
    ex2.dispose();
  });
});
