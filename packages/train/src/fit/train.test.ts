import { initWeights, type WeightMap } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { tinyUnet, twoAdds } from "./__fixtures__/graphs.js";
import { TrainError } from "./errors.js";
import { evaluate } from "./evaluate.js";
import { permutation, Stream, streamSeed } from "./seeds.js";
import { train } from "./train.js";
import type { StepProgress, TrainOptions, TrainResult } from "./types.js";

/** The largest absolute difference between two weight maps with the same keys. */
function maxDiff(a: WeightMap, b: WeightMap): number {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  let m = 0;
  for (const [k, w] of a) {
    const v = b.get(k)!.data;
    w.data.forEach((x, i) => {
      m = Math.max(m, Math.abs(x - (v[i] ?? Number.NaN)));
    });
  }
  return m;
}

describe("tiny-unet on shapes (wasm, fusegraph's training kernels)", () => {
  const graph = tinyUnet();
  const options = {
    task: "shapes",
    epochs: 3,
    batchSize: 4,
    trainSamples: 16,
    valSamples: 8,
    lr: 3e-3,
    seed: 1,
    engine: "wasm",
  } satisfies TrainOptions;
  let result: TrainResult;

  beforeAll(async () => {
    result = await train(graph, options);
  }, 120_000);

  it("lowers the held-out loss over 3 epochs", () => {
    expect(result.engine).toBe("wasm");
    expect(result.task).toBe("shapes");
    expect(result.metric).toEqual({ name: "IoU", higherIsBetter: true });
    expect(result.steps).toBe(12);
    expect(result.stopped).toBe(false);
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    for (const h of result.history) {
      expect(Number.isFinite(h.trainLoss) && Number.isFinite(h.valLoss) && Number.isFinite(h.metric)).toBe(
        true,
      );
    }
    // Softmax over 2 classes starts near ln 2 ≈ 0.69; three epochs take it well below.
    expect(result.initial.valLoss).toBeGreaterThan(0.6);
    expect(result.history.at(-1)!.valLoss).toBeLessThan(result.initial.valLoss - 0.05);
  });

  it("evaluate() on the returned weights reproduces the last held-out loss and metric", async () => {
    const last = result.history.at(-1)!;
    const again = await evaluate(graph, result.weights, {
      task: "shapes",
      seed: 1,
      valSamples: 8,
      engine: "wasm",
    });
    expect(Math.abs(again.valLoss - last.valLoss)).toBeLessThan(1e-5);
    expect(Math.abs(again.metric - last.metric)).toBeLessThan(1e-5);
    // The seeded initial weights give the `initial` numbers: evaluate reads the same held-out set.
    const init = await evaluate(graph, initWeights(graph, { seed: 1 }), {
      task: "shapes",
      seed: 1,
      valSamples: 8,
    });
    expect(Math.abs(init.valLoss - result.initial.valLoss)).toBeLessThan(1e-5);
    // Negative control: another seed is another held-out set, and the check would see it.
    const other = await evaluate(graph, result.weights, { task: "shapes", seed: 2, valSamples: 8 });
    expect(Math.abs(other.valLoss - last.valLoss)).toBeGreaterThan(1e-4);
  });

  it("negative control: lr 0 leaves the weights and the held-out loss where they started", async () => {
    const frozen = await train(graph, { ...options, epochs: 1, lr: 0 });
    expect(frozen.steps).toBe(4);
    expect(frozen.initial.valLoss).toBe(result.initial.valLoss);
    expect(Math.abs(frozen.history[0]!.valLoss - frozen.initial.valLoss)).toBeLessThan(1e-6);
    expect(maxDiff(frozen.weights, initWeights(graph, { seed: 1 }))).toBe(0);
    // ...while the real run moved them.
    expect(maxDiff(result.weights, initWeights(graph, { seed: 1 }))).toBeGreaterThan(1e-3);
  }, 60_000);
});

describe("train on a small net (8x8, two adds)", () => {
  const graph = twoAdds();
  const options = {
    task: "shapes",
    epochs: 2,
    batchSize: 4,
    trainSamples: 32,
    valSamples: 8,
    lr: 1e-2,
    seed: 3,
    engine: "cpu",
  } satisfies TrainOptions;

  it("is seeded: the same seed gives the same run, another seed another", async () => {
    const a = await train(graph, options);
    const b = await train(graph, options);
    const c = await train(graph, { ...options, seed: 4 });
    expect(b.history.map((h) => [h.trainLoss, h.valLoss, h.metric])).toEqual(
      a.history.map((h) => [h.trainLoss, h.valLoss, h.metric]),
    );
    expect(maxDiff(a.weights, b.weights)).toBe(0);
    expect(c.history[0]!.valLoss).not.toBe(a.history[0]!.valLoss);
    expect(maxDiff(a.weights, c.weights)).toBeGreaterThan(1e-4);
  });

  it("reports every step; an epoch's train loss is the batch-size-weighted mean of its steps", async () => {
    const steps: StepProgress[] = [];
    const r = await train(graph, { ...options, trainSamples: 10, onStep: (p) => void steps.push(p) });
    // 10 samples in batches of 4: 4, 4 and a last step of 2.
    expect(steps.map((p) => [p.epoch, p.epochs, p.step, p.stepsPerEpoch])).toEqual([
      [1, 2, 1, 3],
      [1, 2, 2, 3],
      [1, 2, 3, 3],
      [2, 2, 1, 3],
      [2, 2, 2, 3],
      [2, 2, 3, 3],
    ]);
    expect(steps.every((p, i) => i === 0 || p.elapsedMs >= steps[i - 1]!.elapsedMs)).toBe(true);
    const [a, b, c] = steps.slice(0, 3).map((p) => p.loss) as [number, number, number];
    expect(r.history[0]!.trainLoss).toBeCloseTo((4 * a + 4 * b + 2 * c) / 10, 6);
    // Negative control: the plain mean of the steps is another number.
    expect(Math.abs(r.history[0]!.trainLoss - (a + b + c) / 3)).toBeGreaterThan(1e-6);
  });

  it("frees every tensor: the count stays flat across epochs and returns to where it was", async () => {
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await train(graph, { ...options, epochs: 3, onEpoch: () => void counts.push(tf.memory().numTensors) });
    expect(counts).toHaveLength(3);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    // Negative control: a tensor leaked per epoch shows up in the same counts.
    const leaked: tf.Tensor[] = [];
    const leaky: number[] = [];
    await train(graph, {
      ...options,
      epochs: 3,
      onEpoch: () => {
        leaked.push(tf.zeros([1]));
        leaky.push(tf.memory().numTensors);
      },
    });
    tf.dispose(leaked);
    expect(new Set(leaky).size).toBe(3);
  });

  it("stops on an aborted signal after the current step, keeping that step's weights", async () => {
    const abortAt = async (epoch: number, step: number) => {
      const ac = new AbortController();
      return train(graph, {
        ...options,
        signal: ac.signal,
        onStep: (p) => {
          if (p.epoch === epoch && p.step === step) ac.abort();
        },
      });
    };
    // Aborted after the last step of epoch 1: the weights are the epoch-1 weights of an uninterrupted run.
    let epoch1: WeightMap | undefined;
    const full = await train(graph, {
      ...options,
      onEpoch: (r, weights) => {
        if (r.epoch === 1) epoch1 = weights();
      },
    });
    const atEnd = await abortAt(1, 8);
    expect(atEnd.stopped).toBe(true);
    expect(atEnd.steps).toBe(8);
    expect(atEnd.history).toHaveLength(1);
    expect(maxDiff(atEnd.weights, epoch1!)).toBe(0);
    expect(maxDiff(full.weights, epoch1!)).toBeGreaterThan(1e-4);

    // Mid-epoch: exactly 3 steps taken, no epoch record; a step more or less gives other weights.
    const [two, three, threeAgain, four] = await Promise.all([
      abortAt(1, 2),
      abortAt(1, 3),
      abortAt(1, 3),
      abortAt(1, 4),
    ]);
    expect(three.stopped).toBe(true);
    expect(three.steps).toBe(3);
    expect(three.history).toEqual([]);
    expect(maxDiff(three.weights, threeAgain.weights)).toBe(0);
    expect(maxDiff(three.weights, two.weights)).toBeGreaterThan(1e-5);
    expect(maxDiff(three.weights, four.weights)).toBeGreaterThan(1e-5);

    // Already aborted: no step, the seeded initial weights.
    const ac = new AbortController();
    ac.abort();
    const none = await train(graph, { ...options, signal: ac.signal });
    expect([none.stopped, none.steps]).toEqual([true, 0]);
    expect(maxDiff(none.weights, initWeights(graph, { seed: 3 }))).toBe(0);
  });

  it("resumes from weights: run 2 starts at run 1's last held-out loss and continues the epochs", async () => {
    const first = await train(graph, { ...options, epochs: 1 });
    const second = await train(graph, { ...options, epochs: 1, initialEpoch: 1, weights: first.weights });
    expect(Math.abs(second.initial.valLoss - first.history[0]!.valLoss)).toBeLessThan(1e-6);
    expect(second.history.map((h) => h.epoch)).toEqual([2]);
    expect(second.history[0]!.valLoss).toBeLessThan(second.initial.valLoss);
    // Only Adam's moments restart: close to an uninterrupted 2-epoch run, not to a fresh one.
    const straight = await train(graph, options);
    const fresh = await train(graph, { ...options, epochs: 1 });
    const gap = (r: TrainResult) => Math.abs(r.history.at(-1)!.valLoss - straight.history[1]!.valLoss);
    expect(gap(second)).toBeLessThan(gap(fresh));
    // Negative control: without `weights` run 2 starts from scratch, where run 1 started.
    const scratch = await train(graph, { ...options, epochs: 1, initialEpoch: 1 });
    expect(scratch.initial.valLoss).toBe(first.initial.valLoss);
    expect(Math.abs(scratch.initial.valLoss - first.history[0]!.valLoss)).toBeGreaterThan(1e-4);
  });

  it("runs evaluate() called from onEpoch at once (no deadlock on the one-run-at-a-time queue)", async () => {
    const checked: number[] = [];
    const r = await train(graph, {
      ...options,
      onEpoch: async (rec, weights) => {
        const e = await evaluate(graph, weights(), { task: "shapes", seed: 3, valSamples: 8 });
        checked.push(e.valLoss - rec.valLoss);
      },
    });
    expect(r.history).toHaveLength(2);
    expect(checked).toHaveLength(2);
    for (const d of checked) expect(Math.abs(d)).toBeLessThan(1e-6);
  });

  it("leaves the caller's tfjs backend as it was", async () => {
    await tf.setBackend("cpu");
    const during: string[] = [];
    await train(graph, {
      ...options,
      epochs: 1,
      engine: "wasm",
      onStep: () => void during.push(tf.getBackend()),
    });
    expect(new Set(during)).toEqual(new Set(["wasm"]));
    expect(tf.getBackend()).toBe("cpu");
  });
});

describe("errors are TrainErrors with a code and a hint", () => {
  const graph = twoAdds();
  const fails = async (p: Promise<unknown>) => {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(TrainError);
    return e as TrainError;
  };

  it("unknown task, a spec that does not fit, bad options, weights that do not fit", async () => {
    const unknown = await fails(train(graph, { task: "shape", engine: "cpu" }));
    expect(unknown.code).toBe("unknown_task");
    expect(unknown.hint).toContain("shapes");

    const mismatch = await fails(train(graph, { task: "sequence", engine: "cpu" }));
    expect(mismatch.code).toBe("task_mismatch");
    expect(mismatch.issues.length).toBeGreaterThan(0);
    expect(mismatch.issues[0]!.code).toBe("task_mismatch");

    for (const bad of [{ batchSize: 0 }, { epochs: 1.5 }, { lr: Number.NaN }, { valSamples: -1 }]) {
      const e = await fails(train(graph, { task: "shapes", engine: "cpu", ...bad }));
      expect(e.code).toBe("invalid_options");
      expect(e.hint).toBeTruthy();
    }

    const weights = initWeights(graph, { seed: 0 });
    weights.delete("head/kernel");
    const missing = await fails(evaluate(graph, weights, { task: "shapes", engine: "cpu" }));
    expect(missing.code).toBe("compile_failed");
    expect(missing.message).toContain("head/kernel");
  });
});

describe("seed streams", () => {
  it("give a permutation per epoch, different streams and epochs giving different numbers", () => {
    const p = permutation(50, 7);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...p]).not.toEqual([...permutation(50, 8)]);
    const seeds = [
      streamSeed(0, Stream.train),
      streamSeed(0, Stream.heldOut),
      streamSeed(0, Stream.shuffle, 1),
      streamSeed(0, Stream.shuffle, 2),
      streamSeed(1, Stream.train),
    ];
    expect(new Set(seeds).size).toBe(seeds.length);
    expect(streamSeed(5, Stream.train)).toBe(streamSeed(5, Stream.train));
  });
});
