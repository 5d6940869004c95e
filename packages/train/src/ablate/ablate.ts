import {
  compareMerges,
  type Graph,
  isMergeKind,
  MERGE_KINDS,
  type MergeKind,
  type MergeSelector,
  type SpecIssue,
  selectMerges,
} from "@fusegraph/dsl";
import { onEngine } from "../fit/engine.js";
import { TrainError } from "../fit/errors.js";
import { resolveOptions } from "../fit/options.js";
import { bindTask } from "../fit/session.js";
import { runTraining } from "../fit/train.js";
import type { Engine, TrainOptions, TrainResult } from "../fit/types.js";
import type { TaskBinding, TaskIssue, TaskMetric } from "../tasks/types.js";
import { type MeanStd, meanStd } from "./stats.js";

export interface AblateOptions extends Omit<TrainOptions, "onEpoch" | "weights" | "initialEpoch"> {
  /** The merge modes to train, each a variant (the spec's own mode too, when listed). */
  merges: MergeKind[];
  /** Switch only these merge ids (default: every merge), as `fusegraph compare --only`. */
  only?: string[];
  /** Runs per variant (default 3), with seeds `seed`, `seed + 1`, …; every variant sees the same data per seed. */
  seeds?: number;
  onVariant?: (v: { merge: MergeKind; seed: number; index: number; total: number }) => void;
}

export interface AblationVariant {
  merge: MergeKind;
  /** The mode, marked "(as in spec)" when no merge had to switch. */
  label: string;
  feasible: boolean;
  /** Why the switch (or the task) does not fit: the first issue's message and hint, as compare prints them. */
  reason?: string;
  /** Every issue behind `reason`, for printing like `fusegraph compare`. */
  issues?: (SpecIssue | TaskIssue)[];
  /** How many merges changed mode. */
  switched: number;
  /** Total params and MACs of the switched graph, exactly compare's after-totals; NaN when infeasible. */
  params: number;
  macs: number;
  /** Over the completed runs (fewer than the seeds only when stopped). */
  trainMs: MeanStd;
  /** Held-out loss after the last epoch. */
  finalLoss: MeanStd;
  metric: MeanStd;
  /** Held-out loss per epoch (epoch 1 first), one array per completed run. */
  curves: number[][];
  /** Held-out loss before training, one per completed run. */
  initialLoss: number[];
  runs: number;
}

export interface AblationReport {
  spec: string;
  task: string;
  metric: TaskMetric;
  epochs: number;
  batchSize: number;
  lr: number;
  seeds: number[];
  variants: AblationVariant[];
  engine: Engine;
  /** True when `signal` stopped the ablation; the variants then hold only the runs that finished. */
  stopped: boolean;
}

type Plan =
  | {
      merge: MergeKind;
      feasible: true;
      graph: Graph;
      binding: TaskBinding;
      params: number;
      macs: number;
      switched: number;
    }
  | { merge: MergeKind; feasible: false; reason: string; issues: (SpecIssue | TaskIssue)[] };

/** The first issue's message and hint, and how many more there are. */
function reasonOf(issues: readonly (SpecIssue | TaskIssue)[]): string {
  const first = issues[0];
  if (!first) return "infeasible";
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? "s" : ""})` : "";
  return `${first.message}${first.hint ? `. Hint: ${first.hint}` : ""}${more}`;
}

/** Switches the merges to `merge` as `fusegraph compare` does and binds the task to the result. */
function planVariant(
  graph: Graph,
  selector: MergeSelector,
  merge: MergeKind,
  bind: (g: Graph) => TaskBinding,
): Plan {
  const r = compareMerges(graph, selector, merge);
  if (!r.ok) return { merge, feasible: false, reason: reasonOf(r.issues), issues: r.issues };
  let binding: TaskBinding;
  try {
    binding = bind(r.graph);
  } catch (e) {
    if (!(e instanceof TrainError)) throw e;
    const reason =
      e.issues.length > 0 ? reasonOf(e.issues) : `${e.message}${e.hint ? `. Hint: ${e.hint}` : ""}`;
    return { merge, feasible: false, reason, issues: [...e.issues] };
  }
  return {
    merge,
    feasible: true,
    graph: r.graph,
    binding,
    params: r.comparison.after.params.total,
    macs: r.comparison.after.macs,
    switched: r.comparison.merges.length,
  };
}

function checkMerges(graph: Graph, options: AblateOptions): { merges: MergeKind[]; selector: MergeSelector } {
  const bad = options.merges.filter((m) => !isMergeKind(m));
  if (options.merges.length === 0 || bad.length > 0) {
    throw new TrainError(
      "invalid_options",
      bad.length > 0
        ? `unknown merge mode${bad.length > 1 ? "s" : ""} ${bad.map((m) => `"${m}"`).join(", ")}`
        : "no merge modes to compare",
      { hint: `merge modes: ${MERGE_KINDS.join(", ")}` },
    );
  }
  const selector: MergeSelector = options.only ? { ids: options.only } : { all: true };
  const sel = selectMerges(graph, selector);
  if (!sel.ok) {
    throw new TrainError("invalid_options", sel.issues[0]?.message ?? "bad merge selection", {
      issues: sel.issues,
      ...(sel.issues[0]?.hint === undefined ? {} : { hint: sel.issues[0].hint }),
    });
  }
  if (sel.merges.length === 0) {
    throw new TrainError("invalid_options", `spec "${graph.name}" has no merge to switch`, {
      hint: "ablate compares merge modes: give a spec with merge nodes",
    });
  }
  return { merges: [...new Set(options.merges)], selector };
}

/**
 * Trains the spec once per merge mode and seed, the merges switched exactly as `fusegraph compare
 * --merge <mode>` switches them, every variant on the same data for a given seed, and reports per mode
 * the params and MACs (compare's after-totals), the training time, the final held-out loss and metric
 * (mean and sample std over seeds) and the held-out loss curves. A mode the merges cannot take (or whose
 * graph no longer fits the task) is a row with `feasible: false` and compare's reason, not an error.
 */
export async function ablate(graph: Graph, options: AblateOptions): Promise<AblationReport> {
  const o = resolveOptions(options);
  const seedCount = options.seeds ?? 3;
  if (!Number.isSafeInteger(seedCount) || seedCount < 1) {
    throw new TrainError("invalid_options", `seeds must be an integer ≥ 1, got ${seedCount}`, {
      hint: "give the number of runs per variant, e.g. 3",
    });
  }
  const { merges, selector } = checkMerges(graph, options);
  const seeds = Array.from({ length: seedCount }, (_, i) => o.seed + i);
  const plans = merges.map((m) => planVariant(graph, selector, m, (g) => bindTask(g, o.task)));
  const total = plans.filter((p) => p.feasible).length * seeds.length;

  return onEngine(o.engine, async (engine) => {
    const results = new Map<MergeKind, TrainResult[]>();
    let index = 0;
    let stopped = false;
    for (const plan of plans) {
      if (!plan.feasible || stopped) continue;
      const runs: TrainResult[] = [];
      results.set(plan.merge, runs);
      for (const seed of seeds) {
        if (options.signal?.aborted) {
          stopped = true;
          break;
        }
        options.onVariant?.({ merge: plan.merge, seed, index: index++, total });
        const r = await runTraining(
          plan.graph,
          plan.binding,
          { ...o, seed },
          {
            ...(options.signal ? { signal: options.signal } : {}),
            ...(options.onStep ? { onStep: options.onStep } : {}),
          },
          engine,
        );
        if (r.stopped) {
          stopped = true;
          break;
        }
        runs.push(r);
      }
    }
    return {
      spec: graph.name,
      task: o.task.name,
      metric: { ...o.task.metric },
      epochs: o.epochs,
      batchSize: o.batchSize,
      lr: o.lr,
      seeds,
      variants: plans.map((p) => variantRow(p, results.get(p.merge) ?? [])),
      engine,
      stopped,
    };
  });
}

function variantRow(plan: Plan, runs: readonly TrainResult[]): AblationVariant {
  const final = (r: TrainResult) =>
    r.history.at(-1) ?? { valLoss: r.initial.valLoss, metric: r.initial.metric };
  const stats = {
    trainMs: meanStd(runs.map((r) => r.trainMs)),
    finalLoss: meanStd(runs.map((r) => final(r).valLoss)),
    metric: meanStd(runs.map((r) => final(r).metric)),
    curves: runs.map((r) => r.history.map((h) => h.valLoss)),
    initialLoss: runs.map((r) => r.initial.valLoss),
    runs: runs.length,
  };
  if (!plan.feasible) {
    return {
      merge: plan.merge,
      label: plan.merge,
      feasible: false,
      reason: plan.reason,
      issues: plan.issues,
      switched: 0,
      params: Number.NaN,
      macs: Number.NaN,
      ...stats,
    };
  }
  return {
    merge: plan.merge,
    label: plan.switched === 0 ? `${plan.merge} (as in spec)` : plan.merge,
    feasible: true,
    switched: plan.switched,
    params: plan.params,
    macs: plan.macs,
    ...stats,
  };
}
