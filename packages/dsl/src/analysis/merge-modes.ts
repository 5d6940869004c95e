import type { Graph, GraphNode, GraphNodeOf } from "../graph/graph.js";
import { type IssueCode, issue, type SpecIssue, type SpecPath } from "../issues.js";
import { LIMITS } from "../limits.js";
import type { IssueExtra, OpContext } from "../ops/define-op.js";
import type { MergeKind } from "../ops/index.js";
import { opDef } from "../ops/index.js";
import type { Shape } from "../shape.js";

// NOTE: typed against the registry's merge kinds, so adding a merge op fails to compile until it is listed.
const MERGE_ORDER = {
  add: 0,
  concat: 1,
  weightedAdd: 2,
  conv1x1Add: 3,
} as const satisfies { [K in MergeKind]: number };

/** Every merge mode, in the order reports list them. */
export const MERGE_KINDS: readonly MergeKind[] = (Object.keys(MERGE_ORDER) as MergeKind[]).sort(
  (a, b) => MERGE_ORDER[a] - MERGE_ORDER[b],
);

export function isMergeKind(kind: string): kind is MergeKind {
  return Object.hasOwn(MERGE_ORDER, kind);
}

/** A merge node of a graph, discriminated by `kind` like {@link GraphNode}. */
export type MergeNode = { [K in MergeKind]: GraphNodeOf<K> }[MergeKind];

export function isMergeNode(node: GraphNode): node is MergeNode {
  return isMergeKind(node.kind);
}

/** Target channels of conv1x1Add: one count for every merge, or one per merge id. */
export type ChannelsOption = number | Readonly<Record<string, number>>;

/** The node's own conv1x1Add channels when it is one, the caller's choice, else the smallest input's. */
export function conv1x1Channels(
  node: MergeNode,
  inputs: readonly Shape[],
  channels?: ChannelsOption,
): number {
  const given = typeof channels === "number" ? channels : channels?.[node.id];
  if (given !== undefined) return given;
  if (node.kind === "conv1x1Add") return node.params.channels;
  return Math.min(...inputs.map((s) => s[s.length - 1] ?? 0));
}

/**
 * The params a merge gets in another mode. Params of the old mode that mean nothing in the new one are
 * dropped; the new mode's take their documented defaults (docs/ops.md): concat axis -1 (channels),
 * weightedAdd init 1/n each with normalize none and no bias, conv1x1Add projecting only the inputs whose
 * channels differ from `channels`, with a bias, no norm and nearest resize. A merge kept in its own
 * mode keeps its params.
 */
export function rawParamsFor(
  node: MergeNode,
  to: MergeKind,
  inputs: readonly Shape[],
  channels?: ChannelsOption,
): Record<string, unknown> {
  if (node.kind === to && to !== "conv1x1Add") return { ...(node.params as Record<string, unknown>) };
  if (to === "conv1x1Add") {
    const c = conv1x1Channels(node, inputs, channels);
    return node.kind === "conv1x1Add"
      ? { ...(node.params as Record<string, unknown>), channels: c }
      : { channels: c };
  }
  return {};
}

/** What one merge would be in one mode: its parsed params and output shape, or why it cannot be. */
export type ModeCheck =
  | { mode: MergeKind; feasible: true; params: unknown; output: Shape }
  | { mode: MergeKind; feasible: false; issues: SpecIssue[] };

/**
 * Whether `node` fits `mode` with these input shapes, judged by the mode's own op definition (params
 * schema and shape rule), so the rules live in one place: add and weightedAdd need identical shapes,
 * concat identical shapes but for the channels, conv1x1Add [H,W,C] inputs (it projects and resizes).
 */
export function checkMode(
  node: MergeNode,
  inputs: readonly Shape[],
  mode: MergeKind,
  channels?: ChannelsOption,
): ModeCheck {
  const def = opDef(mode);
  const issues: SpecIssue[] = [];
  const at = (rel: SpecPath): SpecPath => (node.scope ? node.path : [...node.path, ...rel]);
  const parsed = def.params.safeParse(rawParamsFor(node, mode, inputs, channels));
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "params"}: ${i.message}`).join("; ");
    issues.push(
      issue("invalid_params", at([]), `merge "${node.id}" (${node.kind} → ${mode}): ${detail}`, {
        nodeId: node.id,
        hint: mode === "conv1x1Add" ? "give channels as a positive integer" : `see docs/ops.md for ${mode}`,
      }),
    );
    return { mode, feasible: false, issues };
  }
  const ctx: OpContext = {
    nodeId: node.id,
    inputIds: node.inputs,
    limits: LIMITS,
    issue(code: IssueCode, message: string, extra: IssueExtra = {}) {
      const { path = [], ...rest } = extra;
      issues.push(issue(code, at(path), message, { ...rest, nodeId: node.id }));
    },
  };
  const output = def.inferShape(inputs, parsed.data, ctx);
  if (output === undefined || issues.some((i) => i.severity === "error"))
    return { mode, feasible: false, issues };
  return { mode, feasible: true, params: parsed.data, output };
}

/** Shapes of a node's inputs in a validated graph. */
export function inputShapes(graph: Graph, node: GraphNode, shapes?: ReadonlyMap<string, Shape>): Shape[] {
  const map = shapes ?? shapeMap(graph);
  return node.inputs.map((id) => map.get(id) ?? []);
}

export function shapeMap(graph: Graph): Map<string, Shape> {
  const m = new Map<string, Shape>();
  for (const i of graph.inputs) m.set(i.id, i.shape);
  for (const n of graph.nodes) m.set(n.id, n.shape);
  return m;
}

/** `conv1x1Add (channels: 64)` or just the mode: how hints name a mode. */
export function modeLabel(check: ModeCheck): string {
  if (check.feasible && check.mode === "conv1x1Add")
    return `conv1x1Add (channels: ${(check.params as { channels: number }).channels})`;
  return check.mode;
}

/**
 * Why a merge cannot take `mode`, and what would work: the mode's own issue (naming the input, the
 * expected and received shapes), with a hint listing the modes these inputs do fit.
 */
export function explainInfeasible(
  node: MergeNode,
  check: Extract<ModeCheck, { feasible: false }>,
  all: readonly ModeCheck[],
): SpecIssue[] {
  const fits = all.filter((c) => c.feasible && c.mode !== check.mode).map(modeLabel);
  const alt =
    fits.length > 0
      ? `modes that fit these inputs: ${fits.join(", ")}`
      : "no merge mode fits these inputs; reshape them first";
  return check.issues.map((i) => ({
    ...i,
    message: `cannot switch merge "${node.id}" from ${node.kind} to ${check.mode}: ${i.message}`,
    hint: i.hint ? `${i.hint}; ${alt}` : alt,
  }));
}
