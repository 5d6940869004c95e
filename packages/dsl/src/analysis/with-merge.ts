import type { Graph, GraphNode } from "../graph/graph.js";
import { issue, type Result, type SpecIssue } from "../issues.js";
import type { MergeKind } from "../ops/index.js";
import { formatShape, type Shape } from "../shape.js";
import { didYouMeanText } from "../suggest.js";
import { graphToDocument, revalidate } from "./graph-document.js";
import {
  type ChannelsOption,
  checkMode,
  explainInfeasible,
  inputShapes,
  isMergeKind,
  isMergeNode,
  MERGE_KINDS,
  type MergeNode,
  type ModeCheck,
  shapeMap,
} from "./merge-modes.js";
import { reinfer } from "./reinfer.js";

/** Which merges to switch: every one, these ids, or those currently in this mode. */
export type MergeSelector = { all: true } | { ids: readonly string[] } | { mode: MergeKind };

export interface MergeSwitch {
  id: string;
  from: MergeKind;
  to: MergeKind;
}

export interface WithMergeOptions {
  /** conv1x1Add's target channels (one count, or one per merge id); default the smallest input's. */
  channels?: ChannelsOption;
}

/** A planned switch: the merge, its new params and output shape. */
interface Planned extends MergeSwitch {
  node: MergeNode;
  params: unknown;
  before: Shape;
  after: Shape;
}

/** An issue when `mode` (e.g. from a CLI argument) is no merge kind. */
function unknownMode(mode: string): SpecIssue | undefined {
  if (isMergeKind(mode)) return undefined;
  return issue("invalid_params", [], `unknown merge mode "${mode}"`, {
    expected: MERGE_KINDS.join(" | "),
    received: mode,
    hint: `merge modes: ${MERGE_KINDS.join(", ")}${didYouMeanText(mode, MERGE_KINDS)}`,
  });
}

/** The merges a selector names, or issues for ids that are no merge of the graph. */
export function selectMerges(graph: Graph, selector: MergeSelector): Result<{ merges: MergeNode[] }> {
  const merges = graph.nodes.filter(isMergeNode);
  if ("all" in selector) return { ok: true, warnings: [], merges };
  if ("mode" in selector) {
    const bad = unknownMode(selector.mode);
    if (bad) return { ok: false, issues: [bad] };
    return { ok: true, warnings: [], merges: merges.filter((m) => m.kind === selector.mode) };
  }
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const issues: SpecIssue[] = [];
  const picked: MergeNode[] = [];
  for (const id of new Set(selector.ids)) {
    const node = byId.get(id);
    if (!node) {
      issues.push(
        issue(
          "unknown_ref",
          [],
          `no node "${id}" in graph "${graph.name}".${didYouMeanText(id, byId.keys())}`,
          {
            received: id,
            hint: `merges of this graph: ${listIds(merges)}`,
          },
        ),
      );
    } else if (!isMergeNode(node)) {
      issues.push(
        issue("invalid_params", node.path, `node "${id}" is a ${node.kind} op, not a merge`, {
          nodeId: id,
          expected: `a merge (${MERGE_KINDS.join(", ")})`,
          received: node.kind,
          hint: `merges of this graph: ${listIds(merges)}`,
        }),
      );
    } else picked.push(node);
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, warnings: [], merges: picked };
}

function listIds(nodes: readonly GraphNode[], max = 8): string {
  if (nodes.length === 0) return "none";
  const shown = nodes.slice(0, max).map((n) => `"${n.id}"`);
  return nodes.length > max ? `${shown.join(", ")} and ${nodes.length - max} more` : shown.join(", ");
}

/**
 * Selects the merges and checks each against `mode`; the ones already in it are left alone. The shared
 * first half of {@link trySwitch} and {@link withMerge}.
 */
function plan(
  graph: Graph,
  selector: MergeSelector,
  mode: MergeKind,
  opts: WithMergeOptions,
): Result<{ planned: Planned[] }> {
  const sel = selectMerges(graph, selector);
  if (!sel.ok) return sel;
  const bad = unknownMode(mode);
  if (bad) return { ok: false, issues: [bad] };
  const shapes = shapeMap(graph);
  const planned: Planned[] = [];
  const issues: SpecIssue[] = [];
  for (const node of sel.merges) {
    const inputs = inputShapes(graph, node, shapes);
    const same = node.kind === mode;
    const given = typeof opts.channels === "number" ? opts.channels : opts.channels?.[node.id];
    // A merge already in the mode stays as it is, unless it is a conv1x1Add given new channels.
    if (same && !(mode === "conv1x1Add" && given !== undefined)) continue;
    const check = checkMode(node, inputs, mode, opts.channels);
    if (check.feasible) {
      planned.push({
        id: node.id,
        from: node.kind,
        to: mode,
        node,
        params: check.params,
        before: node.shape,
        after: check.output,
      });
      continue;
    }
    const all: ModeCheck[] = MERGE_KINDS.map((m) =>
      m === mode ? check : checkMode(node, inputs, m, opts.channels),
    );
    issues.push(...explainInfeasible(node, check, all));
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, warnings: [], planned };
}

function rewritten(graph: Graph, planned: readonly Planned[]): GraphNode[] {
  const byId = new Map(planned.map((p) => [p.id, p]));
  return graph.nodes.map((n) => {
    const p = byId.get(n.id);
    // NOTE: params come from the new kind's own schema (checkMode parsed them), so the pair is consistent.
    return p ? ({ ...n, kind: p.to, params: p.params, shape: p.after } as GraphNode) : n;
  });
}

/**
 * {@link withMerge} checked by the shape pass alone ({@link reinfer}), without re-validating a whole
 * document: for questions asked once per merge (per-merge shares, hints). Its graph keeps the original
 * params objects of untouched nodes; shapes that do not fit come back as issues.
 */
export function trySwitch(
  graph: Graph,
  selector: MergeSelector,
  mode: MergeKind,
  opts: WithMergeOptions = {},
): Result<{ graph: Graph; switched: MergeSwitch[] }> {
  const p = plan(graph, selector, mode, opts);
  if (!p.ok) return p;
  const { planned } = p;
  const r = reinfer(graph, rewritten(graph, planned));
  return r.ok ? { ...r, switched: switchesOf(planned) } : r;
}

/**
 * What-if rewrite: the graph with the selected merges switched to `mode`, re-validated through the spec
 * pipeline (so the result is a valid spec, with shapes and costs inferred afresh). A merge whose inputs
 * do not fit `mode` gives an issue naming the input, the shapes, and the modes that would fit; a switch
 * that breaks nodes downstream (e.g. concat doubling channels that a later add must match) gives the
 * downstream issues, led by one naming the switch and the modes that give a valid graph instead.
 */
export function withMerge(
  graph: Graph,
  selector: MergeSelector,
  mode: MergeKind,
  opts: WithMergeOptions = {},
): Result<{ graph: Graph; switched: MergeSwitch[] }> {
  const p = plan(graph, selector, mode, opts);
  if (!p.ok) return p;
  const { planned } = p;
  const switched = switchesOf(planned);
  if (planned.length === 0) return { ok: true, warnings: [], graph, switched };
  const r = revalidate(graph, graphToDocument({ ...graph, nodes: rewritten(graph, planned) }));
  if (r.ok) return { ...r, switched };
  return {
    ok: false,
    issues: [downstreamIssue(graph, selector, mode, opts, planned, r.issues), ...r.issues],
  };
}

/** Leads the downstream issues: which switch changed which shape, and which modes would work instead. */
function downstreamIssue(
  graph: Graph,
  selector: MergeSelector,
  mode: MergeKind,
  opts: WithMergeOptions,
  planned: readonly Planned[],
  downstream: readonly SpecIssue[],
): SpecIssue {
  const changed = planned.filter((p) => formatShape(p.before) !== formatShape(p.after));
  const shown = (changed.length > 0 ? changed : planned).slice(0, 3);
  const what = shown
    .map((p) => `"${p.id}" (${p.from} → ${p.to}: ${formatShape(p.before)} → ${formatShape(p.after)})`)
    .join(", ");
  const more = planned.length > shown.length ? ` and ${planned.length - shown.length} more` : "";
  const works = MERGE_KINDS.filter((m) => {
    if (m === mode) return false;
    const r = trySwitch(graph, selector, m, opts);
    return r.ok && r.switched.length > 0;
  });
  const culprits = [...new Set(downstream.flatMap((i) => (i.nodeId ? [i.nodeId] : [])))].slice(0, 3);
  const first = planned[0]!;
  return issue(
    "shape_mismatch",
    first.node.path,
    `switching merge ${what}${more} to ${mode} gives shapes that nodes downstream${
      culprits.length > 0 ? ` (${culprits.map((c) => `"${c}"`).join(", ")})` : ""
    } do not accept`,
    {
      nodeId: first.id,
      expected: "a graph whose every node accepts its inputs' shapes",
      received: `${downstream.length} issue${downstream.length === 1 ? "" : "s"} downstream`,
      hint:
        works.length > 0
          ? `${works.join(" or ")} gives a valid graph with this selection; or switch the merges downstream too`
          : "switch the merges downstream too, or project channels back (conv1x1Add) before them",
    },
  );
}

/** What a caller sees of the plan: each merge with its old and new mode. */
function switchesOf(planned: readonly Planned[]): MergeSwitch[] {
  return planned.map(({ id, from, to }) => ({ id, from, to }));
}
