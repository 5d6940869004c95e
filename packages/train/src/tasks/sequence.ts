import type { Graph } from "@fusegraph/dsl";
import { checkCount } from "./image-task.js";
import { isError, mismatch, outputInfos, shapeText, singleInput } from "./inspect.js";
import { accuracy, allFinite } from "./metrics.js";
import { type Rng, sampleRng } from "./random.js";
import type { LossKind, Task, TaskBatch, TaskBinding, TaskBindingResult, TaskIssue } from "./types.js";

const SALT = 0x5e9004;

/**
 * `sequence` — majority-token classification, for LSTM-like specs (input [T, F], output [K]).
 * Each sample draws a label y uniformly from the K classes; floor(T/2) + 1 random time steps carry
 * token y (a strict majority, so the label is never ambiguous) and the rest carry tokens drawn
 * uniformly from the other classes. Token c is the one-hot vector e_c when F ≥ K, else a fixed random
 * unit vector in R^F (the same for every seed); every feature gets ±0.1 Gaussian noise. Learning it
 * means counting over the whole sequence, which a recurrent cell does in its state; labels are uniform,
 * so all K classes occur (chance accuracy 1/K).
 * Target: one-hot [K] on every output (all must be [K], K ≥ 2, the same K); the first is primary.
 * Loss: categoricalCrossentropy on a softmax output, …FromLogits on a raw one (the lstm example ends
 * in a dense layer: logits); a sigmoid output gets binaryCrossentropy per class.
 * Metric: accuracy (argmax of the prediction equals the label), the same for logits and probabilities.
 */
export const sequenceTask: Task = {
  name: "sequence",
  summary: "classify a token sequence by its majority token (LSTM); metric accuracy",
  metric: { name: "accuracy", higherIsBetter: true },
  bind: (graph) => bindSequence(graph),
};

function bindSequence(graph: Graph): TaskBindingResult {
  const input = singleInput(
    graph,
    "sequence",
    2,
    "a sequence input [timesteps, features]",
    "for an image input [H, W, C] use --task shapes, edges or blobs",
  );
  if (isError(input)) return { ok: false, issues: [input] };
  const infos = outputInfos(graph);
  const issues: TaskIssue[] = [];
  const first = infos[0];
  const K = first?.shape.length === 1 ? first.shape[0]! : undefined;
  if (infos.length === 0) {
    issues.push(
      mismatch(
        ["outputs"],
        `task "sequence": the spec has no outputs`,
        "an output [classes]",
        "no outputs",
        "end the spec in a dense layer with one unit per class",
      ),
    );
  }
  const losses: LossKind[] = [];
  for (const o of infos) {
    if (o.shape.length !== 1 || o.shape[0]! < 2 || (K !== undefined && o.shape[0] !== K)) {
      issues.push(
        mismatch(
          ["outputs", o.index],
          `task "sequence": output "${o.id}" has shape ${shapeText(o.shape)}, expected class scores [classes]`,
          K !== undefined && K >= 2 ? `[${K}] like the first output` : "[classes] with at least 2 classes",
          shapeText(o.shape),
          "end the spec in a dense layer with one unit per class (logits, or softmax probabilities)",
          o.id,
        ),
      );
      continue;
    }
    losses.push(
      o.head === "softmax"
        ? "categoricalCrossentropy"
        : o.head === "sigmoid"
          ? "binaryCrossentropy"
          : "categoricalCrossentropyFromLogits",
    );
  }
  if (issues.length > 0) return { ok: false, issues };
  const [T, F] = input.shape as [number, number];
  const classes = K!;
  const codes = tokenCodes(classes, F);
  const binding: TaskBinding = {
    task: sequenceTask,
    input: { id: input.id, shape: [...input.shape] },
    outputs: infos.map((o, i) => ({ id: o.id, shape: [...o.shape], loss: losses[i]! })),
    generate: (n, seed) => generateSequences(n, seed, T, F, classes, codes, infos.length),
    score: (pred, target, n) => (allFinite(pred) ? accuracy(pred, target, n) : Number.NaN),
  };
  return { ok: true, binding };
}

/** Token vectors [K, F]: one-hot when F ≥ K, else fixed random unit vectors (salted, seed-independent). */
function tokenCodes(K: number, F: number): Float32Array {
  const codes = new Float32Array(K * F);
  if (F >= K) {
    for (let c = 0; c < K; c++) codes[c * F + c] = 1;
    return codes;
  }
  const rng = sampleRng(SALT, -1, 0);
  for (let c = 0; c < K; c++) {
    let norm = 0;
    for (let f = 0; f < F; f++) {
      const v = rng.normal();
      codes[c * F + f] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm) || 1;
    for (let f = 0; f < F; f++) codes[c * F + f]! /= norm;
  }
  return codes;
}

/** Tokens and label of one sample (exported for the tests). */
export function majoritySequence(rng: Rng, T: number, K: number): { tokens: Int32Array; label: number } {
  const label = rng.int(0, K - 1);
  const tokens = new Int32Array(T);
  // A random floor(T/2) + 1 of the positions carry the label: a partial Fisher–Yates shuffle picks them.
  const order = Array.from({ length: T }, (_, i) => i);
  const major = Math.floor(T / 2) + 1;
  for (let i = 0; i < T; i++) {
    const j = i + Math.floor(rng.next() * (T - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
    if (i < major) tokens[order[i]!] = label;
    else {
      const other = rng.int(0, K - 2);
      tokens[order[i]!] = other >= label ? other + 1 : other;
    }
  }
  return { tokens, label };
}

function generateSequences(
  n: number,
  seed: number,
  T: number,
  F: number,
  K: number,
  codes: Float32Array,
  outputs: number,
): TaskBatch {
  checkCount(n);
  const x = new Float32Array(n * T * F);
  const labels = new Float32Array(n * K);
  for (let k = 0; k < n; k++) {
    const rng = sampleRng(SALT, seed, k);
    const { tokens, label } = majoritySequence(rng, T, K);
    for (let t = 0; t < T; t++) {
      const base = (k * T + t) * F;
      const code = tokens[t]! * F;
      for (let f = 0; f < F; f++) x[base + f] = codes[code + f]! + 0.1 * rng.normal();
    }
    labels[k * K + label] = 1;
  }
  return { x, y: Array.from({ length: outputs }, () => labels.slice()), n };
}
