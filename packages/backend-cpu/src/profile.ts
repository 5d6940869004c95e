import type { CoreKind, TensorData } from "@fusegraph/dsl";

/**
 * Where one run's time went, by kernel. A row is a kernel-table kind that ran: a step whose conv2d
 * kernel folded a batchNorm and applied an add and a relu counts once under `conv2d`, and `fused` says
 * how many nodes of each kind such steps took over. Aliasing steps (dropout, flatten at inference) do
 * no work and have no row; composites (weightedAdd, conv1x1Add) show as the core kinds they expand to.
 */
export interface RunProfile {
  /** Wall time of the whole run: input checks and copies, every step, output copies. */
  totalMs: number;
  /** Time of the steps alone; the kinds' `ms` (and the nodes' `ms`) sum to it. */
  kernelMs: number;
  /** One row per kernel kind that ran, slowest first. */
  kinds: KindProfile[];
  /** Every step that ran, in run order (sort by `ms` for the top N; `topNodes` does). */
  nodes: NodeProfile[];
}

export interface KindProfile {
  kind: CoreKind;
  /** Steps of this kernel kind that ran. */
  calls: number;
  ms: number;
  /** Fraction of `totalMs`. */
  share: number;
  /** Multiply-accumulates by the dsl's cost model, batch included, of the nodes these steps cover. */
  macs: number;
  /** `macs` / time in 1e9 per second; null for kinds without MACs. */
  gmacPerSecond: number | null;
  /** Nodes these steps took over (folded batchNorms, fused adds and activations), counted by kind. */
  fused: Partial<Record<CoreKind, number>>;
}

export interface NodeProfile {
  /** The node whose kernel ran (an expanded part's id for a composite). */
  id: string;
  kind: CoreKind;
  ms: number;
  macs: number;
  /** Ids of the following nodes the kernel took over, in order. */
  fused: readonly string[];
}

/** Outputs of `Executor.profile`: the same tensors `run` returns, and the profile of that run. */
export interface ProfiledRun {
  outputs: Record<string, TensorData>;
  profile: RunProfile;
}

/** What the executor knows of a step before it runs: its kernel, its MACs per example, what it fused. */
export interface StepInfo {
  id: string;
  kind: CoreKind;
  macsPerExample: number;
  fused: readonly { id: string; kind: CoreKind }[];
}

/**
 * Builds the profile from the running steps and their times (`ms[i]` for `steps[i]`), for a batch of
 * `batch` examples.
 */
export function summarizeProfile(
  steps: readonly StepInfo[],
  ms: readonly number[],
  batch: number,
  totalMs: number,
): RunProfile {
  const nodes: NodeProfile[] = steps.map((s, i) => ({
    id: s.id,
    kind: s.kind,
    ms: ms[i]!,
    macs: s.macsPerExample * batch,
    fused: s.fused.map((f) => f.id),
  }));
  const rows = new Map<CoreKind, KindProfile>();
  steps.forEach((s, i) => {
    let row = rows.get(s.kind);
    if (!row) {
      row = { kind: s.kind, calls: 0, ms: 0, share: 0, macs: 0, gmacPerSecond: null, fused: {} };
      rows.set(s.kind, row);
    }
    row.calls++;
    row.ms += ms[i]!;
    row.macs += s.macsPerExample * batch;
    for (const f of s.fused) row.fused[f.kind] = (row.fused[f.kind] ?? 0) + 1;
  });
  const kinds = [...rows.values()].sort((a, b) => b.ms - a.ms);
  for (const k of kinds) {
    k.share = totalMs > 0 ? k.ms / totalMs : 0;
    // NOTE: a kind that ran in under the timer's resolution has no meaningful rate.
    k.gmacPerSecond = k.macs > 0 && k.ms > 0 ? k.macs / (k.ms * 1e6) : null;
  }
  const kernelMs = ms.reduce((a, b) => a + b, 0);
  return { totalMs, kernelMs, kinds, nodes };
}

/** The `n` slowest steps of a profile, slowest first. */
export function topNodes(profile: RunProfile, n: number): NodeProfile[] {
  return [...profile.nodes].sort((a, b) => b.ms - a.ms).slice(0, Math.max(0, n));
}
