/**
 * Bench case (scripts/bench.mjs): the same graph compiled to the trainable and the portable target,
 * run on one tfjs backend in one process, interleaved round by round after warm-up. Reports each
 * target's median, and the median and spread of the per-round time ratios (trainable / portable).
 */
import { initWeights, loadGraph, type SpecDocumentInput } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { compile } from "../compile.js";

export interface PortableBenchResult {
  rounds: number;
  trainableMs: number[];
  portableMs: number[];
  /** Per round, trainable time / portable time. */
  ratios: number[];
  /** max |portable - trainable| over the output, and max |trainable|. */
  maxAbsDiff: number;
  outputScale: number;
  layers: { trainable: number; portable: number };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

export async function benchPortable(
  spec: SpecDocumentInput,
  opts: { warmup?: number; rounds?: number } = {},
): Promise<PortableBenchResult> {
  const graph = loadGraph(spec);
  const weights = initWeights(graph, { seed: 1 });
  const input = graph.inputs[0]!;
  const size = input.shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(
    Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.37) * 0.5),
    [1, ...input.shape],
  );
  const models = {
    trainable: compile(graph, { weights }),
    portable: compile(graph, { weights, target: "portable" }),
  };
  const runOnce = async (m: tf.LayersModel): Promise<{ ms: number; out: Float32Array }> => {
    const t0 = performance.now();
    const y = m.predict(x) as tf.Tensor;
    const out = (await y.data()) as Float32Array;
    const ms = performance.now() - t0;
    y.dispose();
    return { ms, out };
  };
  try {
    const a = await runOnce(models.trainable);
    const b = await runOnce(models.portable);
    let maxAbsDiff = 0;
    let outputScale = 0;
    for (let i = 0; i < a.out.length; i++) {
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs((a.out[i] ?? 0) - (b.out[i] ?? 0)));
      outputScale = Math.max(outputScale, Math.abs(a.out[i] ?? 0));
    }
    for (let i = 1; i < (opts.warmup ?? 2); i++) {
      await runOnce(models.trainable);
      await runOnce(models.portable);
    }
    const rounds = opts.rounds ?? 9;
    const trainableMs: number[] = [];
    const portableMs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate who goes first so neither always runs right after the other's allocations.
      if (r % 2 === 0) {
        trainableMs.push((await runOnce(models.trainable)).ms);
        portableMs.push((await runOnce(models.portable)).ms);
      } else {
        portableMs.push((await runOnce(models.portable)).ms);
        trainableMs.push((await runOnce(models.trainable)).ms);
      }
    }
    return {
      rounds,
      trainableMs,
      portableMs,
      ratios: trainableMs.map((t, i) => t / (portableMs[i] ?? t)),
      maxAbsDiff,
      outputScale,
      layers: { trainable: models.trainable.layers.length, portable: models.portable.layers.length },
    };
  } finally {
    x.dispose();
    models.trainable.dispose();
    models.portable.dispose();
  }
}
