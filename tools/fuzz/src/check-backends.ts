import { ExecutionError, prepare } from "@fusegraph/backend-cpu";
import { BackendError, CompileError, checkCompilable, compile, predict } from "@fusegraph/backend-tfjs";
import {
  createRng,
  type Graph,
  graphCost,
  initWeights,
  numel,
  SpecError,
  type TensorData,
  validateSpec,
} from "@fusegraph/dsl";
import type { Case } from "./cases.js";
import { ContractError } from "./check-dsl.js";

/** Bounds that keep one document's two runs in milliseconds; larger valid graphs are counted, not run. */
export const SMALL = { params: 50_000, macs: 2_000_000, activations: 200_000 } as const;

/** What happened to one document. */
export type BackendOutcome =
  | { kind: "invalid" }
  | { kind: "large" }
  /** Both ran, outputs agree; `refused` names a backend that refused the graph with a typed error. */
  | { kind: "ran"; refused?: string };

/** Errors a backend may throw on a graph it cannot run: typed, with a code. */
function typed(e: unknown): e is ExecutionError | BackendError | CompileError | SpecError {
  return (
    e instanceof ExecutionError ||
    e instanceof BackendError ||
    e instanceof CompileError ||
    e instanceof SpecError
  );
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Seeded inputs in [-1, 1), batch 2 so a batch-mixing bug shows. */
export function seededInputs(graph: Graph, seed: number): Record<string, TensorData> {
  const rng = createRng(seed);
  return Object.fromEntries(
    graph.inputs.map((i) => {
      const shape = [2, ...i.shape];
      const data = new Float32Array(numel(shape));
      for (let k = 0; k < data.length; k++) data[k] = rng() * 2 - 1;
      return [i.id, { shape, data }];
    }),
  );
}

/** Largest finite magnitude in a tensor, the scale its tolerance is relative to. */
function scaleOf(t: TensorData): number {
  let m = 0;
  for (const v of t.data) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
}

/** Relative tolerance between backends (float32, different summation orders). */
export const REL_TOLERANCE = 1e-4;

/**
 * Why two runs' outputs disagree, or undefined: same ids and shapes, every finite value within
 * REL_TOLERANCE of the output's scale, and a NaN or an infinity only where the other has the same.
 */
export function outputsDiffer(
  a: Readonly<Record<string, TensorData>>,
  b: Readonly<Record<string, TensorData>>,
): string | undefined {
  const ka = Object.keys(a).sort().join(",");
  const kb = Object.keys(b).sort().join(",");
  if (ka !== kb) return `outputs [${ka}] vs [${kb}]`;
  for (const id of Object.keys(a)) {
    const x = a[id]!;
    const y = b[id]!;
    if (x.shape.join(",") !== y.shape.join(",")) return `output "${id}": shape [${x.shape}] vs [${y.shape}]`;
    if (x.data.length !== y.data.length) return `output "${id}": ${x.data.length} vs ${y.data.length} values`;
    const tol = REL_TOLERANCE * Math.max(scaleOf(x), scaleOf(y)) + 1e-6;
    for (let i = 0; i < x.data.length; i++) {
      const u = x.data[i]!;
      const v = y.data[i]!;
      if (Number.isFinite(u) && Number.isFinite(v)) {
        if (Math.abs(u - v) > tol)
          return `output "${id}"[${i}]: ${u} vs ${v} (tolerance ${tol.toExponential(2)})`;
      } else if (!Object.is(u, v)) return `output "${id}"[${i}]: ${u} vs ${v} (non-finite on one side only)`;
    }
  }
  return undefined;
}

/** Small enough to run on both backends in milliseconds. */
export function isSmall(graph: Graph): boolean {
  let activations = 0;
  for (const n of graph.nodes) activations += numel(n.shape);
  if (activations > SMALL.activations) return false;
  const cost = graphCost(graph);
  return cost.total.params.total <= SMALL.params && cost.total.macs <= SMALL.macs;
}

async function runTfjs(
  graph: Graph,
  weights: ReturnType<typeof initWeights>,
  inputs: Record<string, TensorData>,
) {
  const model = compile(graph, { weights });
  try {
    return await predict(model, graph, inputs);
  } finally {
    model.dispose();
  }
}

/**
 * The backends' contract for one document: if it validates and is small, backend-cpu runs it and
 * backend-tfjs compiles and predicts it with the same outputs; a refusal must be a typed error, and
 * tfjs refuses only what `checkCompilable` names. Throws a {@link ContractError} otherwise.
 */
export async function checkBackends(c: Case, seed: number): Promise<BackendOutcome> {
  const r = validateSpec(c.input as string, c.opts);
  if (!r.ok) return { kind: "invalid" };
  const graph = r.graph;
  if (!isSmall(graph)) return { kind: "large" };
  const weights = initWeights(graph, { seed });
  const inputs = seededInputs(graph, seed + 1);

  let cpu: Record<string, TensorData> | undefined;
  let refused: string | undefined;
  try {
    const ex = prepare(graph, weights, { threads: 1 });
    try {
      cpu = ex.run(inputs);
    } finally {
      ex.dispose();
    }
  } catch (e) {
    if (!typed(e)) throw new ContractError(`${c.label}: backend-cpu threw ${describeError(e)}`);
    refused = `cpu (${describeError(e)})`;
  }

  const blocked = checkCompilable(graph);
  let tfjs: Record<string, TensorData> | undefined;
  try {
    tfjs = await runTfjs(graph, weights, inputs);
  } catch (e) {
    if (!typed(e)) throw new ContractError(`${c.label}: backend-tfjs threw ${describeError(e)}`);
    if (!(e instanceof CompileError) || blocked.length === 0 || e.nodeId !== blocked[0]!.nodeId)
      throw new ContractError(
        `${c.label}: backend-tfjs refused a graph checkCompilable accepts (${blocked.map((b) => b.nodeId).join(", ") || "no issue"}): ${describeError(e)}`,
      );
    refused = `${refused ? `${refused}, ` : ""}tfjs (${e.code})`;
  }
  if (tfjs && blocked.length > 0)
    throw new ContractError(`${c.label}: checkCompilable refused "${blocked[0]!.nodeId}" but compile ran it`);

  if (cpu && tfjs) {
    const diff = outputsDiffer(cpu, tfjs);
    if (diff) throw new ContractError(`${c.label}: backend-cpu and backend-tfjs differ: ${diff}`);
  }
  return refused ? { kind: "ran", refused } : { kind: "ran" };
}
