import { type Graph, initWeights, type TensorData, type WeightMap } from "@fusegraph/dsl";
import { type LayersModel, loadTfjs, predictTfjs, runCpu, type TfjsRuntime } from "./backends.js";
import {
  countValue,
  formatIndex,
  formatNonFinite,
  formatValue,
  type NonFiniteCounts,
  noNonFinite,
  scanNonFinite,
  totalNonFinite,
  unravelIndex,
  valueKind,
} from "./non-finite.js";
import { randomInputs } from "./tensors.js";

export interface VerifyOptions {
  /** Seed of the weights (`initWeights`) and of the random inputs (default 0). */
  seed?: number;
  /** Examples per run (default 1). */
  batch?: number;
  /** Largest relative error that passes (default 1e-4); see {@link OutputError.maxRelError}. */
  tolerance?: number;
  /** tfjs's runtime (default wasm). */
  runtime?: TfjsRuntime;
  /** Weights to use instead of `initWeights(graph, { seed })`. */
  weights?: WeightMap;
  /** A model already compiled from this graph with these weights (the main job reuses compile's). */
  model?: LayersModel;
  /** Called as each step starts ("cpu", "tfjs"), for a progress line. */
  onStep?: (step: "cpu" | "tfjs") => void;
}

/** Where two runs of one output hold NaN or ±Infinity, and whether they agree on it. */
export interface NonFiniteComparison {
  /** Non-finite values in the reference output (backend-cpu's, for verify). */
  ref: NonFiniteCounts;
  /** Non-finite values in the output compared with it (backend-tfjs's, for verify). */
  got: NonFiniteCounts;
  /** Elements whose kind differs: a number on one side and NaN or ±Infinity on the other, or NaN against ±Infinity. */
  mismatched: number;
  /** The first such element: its index and both values. */
  firstMismatch: { index: number[]; ref: number; got: number } | null;
  /** Elements that are the same kind of non-finite value on both sides. */
  shared: number;
  /** Index of the first of those. */
  firstShared: number[] | null;
}

/** How far tfjs's output is from backend-cpu's (the reference) for one graph output. */
export interface OutputError {
  id: string;
  shape: number[];
  /**
   * max |tfjs - cpu| over the elements finite on both sides. Infinity when the shapes differ or one side
   * is NaN or infinite where the other is not; NaN when both hold the same NaN or ±Infinity values (no
   * error can be measured there, and an output with them is not verified). See {@link nonFinite}.
   */
  maxAbsError: number;
  /**
   * maxAbsError / max|cpu|: relative to the output's scale rather than per element, so values near zero
   * do not blow it up. Equal to maxAbsError when the reference is all zeros; Infinity and NaN as there.
   */
  maxRelError: number;
  /** max|cpu| over its finite values, the scale. */
  scale: number;
  /** NaN and ±Infinity on each side, and where they differ. */
  nonFinite: NonFiniteComparison;
}

export interface VerifyReport {
  /** Every output's maxRelError is within the tolerance, and no output holds NaN or ±Infinity on either side. */
  ok: boolean;
  tolerance: number;
  seed: number;
  batch: number;
  runtime: TfjsRuntime;
  outputs: OutputError[];
  /** The largest per-output value: Infinity if any output has one, else NaN if any has one. */
  maxAbsError: number;
  maxRelError: number;
}

/** The largest error, non-finite ones winning: Infinity over NaN over any number. */
export function worstError(errors: readonly number[]): number {
  if (errors.includes(Number.POSITIVE_INFINITY)) return Number.POSITIVE_INFINITY;
  if (errors.some(Number.isNaN)) return Number.NaN;
  return Math.max(0, ...errors);
}

/**
 * Compares two equal-length arrays: max |ref - got| and max |ref| over the elements finite on both
 * sides, and every NaN or ±Infinity counted and located (the index is unravelled against `shape`).
 */
export function compareValues(
  ref: Float32Array,
  got: Float32Array,
  shape: readonly number[],
): { maxAbs: number; scale: number; nonFinite: NonFiniteComparison } {
  const nonFinite: NonFiniteComparison = {
    ref: noNonFinite(),
    got: noNonFinite(),
    mismatched: 0,
    firstMismatch: null,
    shared: 0,
    firstShared: null,
  };
  if (ref.length !== got.length) {
    throw new RangeError(`compareValues: ${ref.length} reference values against ${got.length}`);
  }
  let maxAbs = 0;
  let scale = 0;
  for (let k = 0; k < ref.length; k++) {
    const r = ref[k]!;
    const g = got[k]!;
    if (Number.isFinite(r) && Math.abs(r) > scale) scale = Math.abs(r);
    if (Number.isFinite(r) && Number.isFinite(g)) {
      const d = Math.abs(r - g);
      if (d > maxAbs) maxAbs = d;
      continue;
    }
    countValue(nonFinite.ref, r);
    countValue(nonFinite.got, g);
    if (valueKind(r) === valueKind(g)) {
      nonFinite.shared++;
      nonFinite.firstShared ??= unravelIndex(k, shape);
    } else {
      nonFinite.mismatched++;
      nonFinite.firstMismatch ??= { index: unravelIndex(k, shape), ref: r, got: g };
    }
  }
  return { maxAbs, scale, nonFinite };
}

/** Compares each output of two runs of the same graph, `ref` being the reference. */
export function compareOutputs(
  graph: Graph,
  ref: Readonly<Record<string, TensorData>>,
  got: Readonly<Record<string, TensorData>>,
): OutputError[] {
  return graph.outputs.map((id) => {
    const r = ref[id];
    const g = got[id];
    const sameShape =
      r !== undefined &&
      g !== undefined &&
      r.shape.length === g.shape.length &&
      r.shape.every((d, i) => d === g.shape[i]) &&
      r.data.length === g.data.length;
    if (!r || !g || !sameShape) {
      const counts = (t: TensorData | undefined): NonFiniteCounts => {
        const { first: _, ...c } = scanNonFinite(t?.data ?? []);
        return c;
      };
      return {
        id,
        shape: [...(r?.shape ?? g?.shape ?? [])],
        maxAbsError: Number.POSITIVE_INFINITY,
        maxRelError: Number.POSITIVE_INFINITY,
        scale: 0,
        nonFinite: {
          ref: counts(r),
          got: counts(g),
          mismatched: 0,
          firstMismatch: null,
          shared: 0,
          firstShared: null,
        },
      };
    }
    const { maxAbs, scale, nonFinite } = compareValues(r.data, g.data, r.shape);
    const unmeasurable =
      nonFinite.mismatched > 0 ? Number.POSITIVE_INFINITY : nonFinite.shared > 0 ? Number.NaN : undefined;
    return {
      id,
      shape: [...r.shape],
      maxAbsError: unmeasurable ?? maxAbs,
      maxRelError: unmeasurable ?? (scale > 0 ? maxAbs / scale : maxAbs),
      scale,
      nonFinite,
    };
  });
}

/** Names of the two sides in messages: verify's are the backends. */
export interface SideNames {
  ref: string;
  got: string;
  /** Both sides together: "both backends". */
  both: string;
}

const BACKENDS: SideNames = { ref: "cpu", got: "tfjs", both: "both backends" };

/**
 * One line on an output's NaN or ±Infinity values, or undefined when it has none: where the two runs
 * disagree on them (count, first index, both values), or that both produce them.
 */
export function describeNonFinite(o: OutputError, names: SideNames = BACKENDS): string | undefined {
  const nf = o.nonFinite;
  const size = o.shape.reduce((a, b) => a * b, 1);
  if (nf.firstMismatch) {
    const m = nf.firstMismatch;
    return (
      `output "${o.id}": ${names.got} and ${names.ref} disagree on NaN/Infinity at ${nf.mismatched} of ${size} values, ` +
      `first at ${formatIndex(m.index)} (${names.ref} ${formatValue(m.ref)}, ${names.got} ${formatValue(m.got)}); ` +
      `${names.ref} has ${formatNonFinite(nf.ref)}, ${names.got} has ${formatNonFinite(nf.got)}`
    );
  }
  if (nf.firstShared) {
    return (
      `${names.both} produce ${formatNonFinite(nf.ref)} values in output "${o.id}" ` +
      `(${nf.shared} of ${size}, first at ${formatIndex(nf.firstShared)}); an output with NaN or Infinity is not verified`
    );
  }
  const ref = totalNonFinite(nf.ref);
  const got = totalNonFinite(nf.got);
  if (ref + got === 0) return undefined;
  // Only reachable when the shapes differ: say what each side held.
  return `output "${o.id}": ${names.ref} has ${formatNonFinite(nf.ref)}, ${names.got} has ${formatNonFinite(nf.got)}`;
}

/**
 * Runs the graph on backend-cpu and on backend-tfjs with the same weights (`initWeights` with the seed,
 * unless given) and the same seeded random inputs in [-1, 1), and reports per output how far tfjs is
 * from cpu. An output holding NaN or ±Infinity on either side fails, even where both sides agree on
 * them: a model whose outputs are NaN is not verified. A batch too large for the graph's tensors is a
 * UsageError before anything is allocated.
 */
export async function verifyGraph(graph: Graph, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const seed = opts.seed ?? 0;
  const batch = opts.batch ?? 1;
  const tolerance = opts.tolerance ?? 1e-4;
  const weights = opts.weights ?? initWeights(graph, { seed });
  const inputs = randomInputs(graph, batch, seed);
  opts.onStep?.("cpu");
  const ref = await runCpu(graph, weights, inputs);
  opts.onStep?.("tfjs");
  const tfjs = await loadTfjs(opts.runtime ?? "wasm");
  const runtime = tfjs.currentBackend() ?? opts.runtime ?? "wasm";
  const model = opts.model ?? tfjs.compile(graph, { weights });
  let got: Record<string, TensorData>;
  try {
    got = await predictTfjs(model, graph, inputs);
  } finally {
    if (!opts.model) model.dispose();
  }
  const outputs = compareOutputs(graph, ref, got);
  const clean = (o: OutputError) => totalNonFinite(o.nonFinite.ref) + totalNonFinite(o.nonFinite.got) === 0;
  return {
    // NOTE: NaN <= tolerance is false, so an unmeasurable error fails too; `clean` says it outright.
    ok: outputs.every((o) => clean(o) && o.maxRelError <= tolerance),
    tolerance,
    seed,
    batch,
    runtime,
    outputs,
    maxAbsError: worstError(outputs.map((o) => o.maxAbsError)),
    maxRelError: worstError(outputs.map((o) => o.maxRelError)),
  };
}
