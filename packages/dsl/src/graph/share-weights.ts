import { issue, type SpecIssue, type SpecPath } from "../issues.js";
import type { WeightSpec } from "../ops/define-op.js";
import { formatShape, type Shape, sameShape } from "../shape.js";
import type { ShareRequest } from "./check-node.js";
import { type ExpansionFallout, reportOnce } from "./fallout.js";
import type { Resolver } from "./resolve.js";
import { type CheckedNode, kindSubjectOf as subjectOf, type Topology } from "./topology.js";

/**
 * Resolves each `shareWeights` in the node's own block instance first, then in each enclosing one, then
 * at the top level (so a block can name a sibling instance, `cell.0/gate`), through aliases like any
 * ref. A node naming itself owns its weights. The target must be another node of the same kind that
 * does not share in turn; then `sharesWith` is set. Weight specs are compared after shape inference.
 */
export function resolveShares(
  nodes: CheckedNode[],
  shares: readonly ShareRequest[],
  look: Resolver,
  fallout: ExpansionFallout,
  sink: (i: SpecIssue) => void,
): void {
  const report = reportOnce(sink);
  const targets = new Map<number, { target: number; path: SpecPath }>();
  for (const { node, ref, path } of shares) {
    const f = nodes[node]!.flat;
    const subject = subjectOf(f);
    if (typeof ref !== "string" || ref === "") {
      report(
        issue(
          "invalid_params",
          path,
          `${subject}: shareWeights must name a node, received ${JSON.stringify(ref)}`,
          {
            nodeId: f.id,
            expected: "a node id",
            received: JSON.stringify(ref),
          },
        ),
      );
      continue;
    }
    const candidates = [...f.scope].reverse().map((instance) => `${instance}/${ref}`);
    candidates.push(ref);
    let found: string | undefined;
    let poisoned = false;
    for (const c of candidates) {
      const r = look.resolve(c);
      if ("id" in r) {
        found = r.id;
        break;
      }
      if ("poisoned" in r) poisoned = true;
    }
    if (found === undefined) {
      // The target was reported where it is written, or failed to expand.
      if (poisoned || candidates.some((c) => fallout.failed(c, f))) continue;
      report(
        issue(
          "unknown_ref",
          path,
          `${subject} shares weights with "${ref}", which is no node.${look.suggest(ref, true)}`,
          {
            nodeId: f.id,
            received: ref,
            hint: "shareWeights names a node of the same kind by id; in a block, ids are relative to its instance first",
          },
        ),
      );
      continue;
    }
    if (found === f.id) continue;
    const target = look.byId.get(found);
    if (target === undefined) {
      report(
        issue(
          "invalid_params",
          path,
          `${subject} shares weights with "${found}", a graph input, which has none`,
          {
            nodeId: f.id,
            expected: `a ${f.kind} node`,
            received: `graph input "${found}"`,
          },
        ),
      );
      continue;
    }
    targets.set(node, { target, path });
  }
  for (const [node, { target, path }] of targets) {
    const n = nodes[node]!;
    const to = nodes[target]!;
    const original = targets.get(target);
    if (original !== undefined) {
      const root = nodes[original.target]!.flat.id;
      report(
        issue(
          "invalid_params",
          path,
          `${subjectOf(n.flat)} shares weights with "${to.flat.id}", which itself shares the weights of "${root}"`,
          {
            nodeId: n.flat.id,
            expected: "a node that owns its weights",
            received: `"${to.flat.id}" (shareWeights: ${root})`,
            hint: `point at the original: shareWeights: ${root}`,
          },
        ),
      );
      continue;
    }
    if (n.kind === undefined || to.kind === undefined) continue; // reported already
    if (n.kind !== to.kind) {
      report(
        issue(
          "invalid_params",
          path,
          `${subjectOf(n.flat)} shares weights with "${to.flat.id}", a ${to.kind}: both must be the same kind`,
          {
            nodeId: n.flat.id,
            expected: n.kind,
            received: to.kind,
            hint: `share with another ${n.kind} node`,
          },
        ),
      );
      continue;
    }
    n.sharesWith = target;
  }
}

/** A node's weight specs from its inferred shapes, or undefined when it has none (reported already). */
function weightsOf(n: CheckedNode, shapes: ReadonlyMap<string, Shape>): readonly WeightSpec[] | undefined {
  const output = shapes.get(n.flat.id);
  if (!n.ok || !n.def || output === undefined) return undefined;
  const inputs: Shape[] = [];
  for (const id of n.inputs) {
    const s = id === undefined ? undefined : shapes.get(id);
    if (!s) return undefined;
    inputs.push(s);
  }
  return n.def.weights({ inputs, params: n.params, output });
}

/**
 * After shape inference: a node that shares weights must declare the same weights (names and shapes)
 * as its target, and there must be some. Nodes whose shapes could not be inferred are skipped.
 */
export function checkSharedWeights(
  topo: Topology,
  shapes: ReadonlyMap<string, Shape>,
  sink: (i: SpecIssue) => void,
): void {
  const report = reportOnce(sink);
  for (const n of topo.nodes) {
    if (n.sharesWith === undefined) continue;
    const to = topo.nodes[n.sharesWith]!;
    const mine = weightsOf(n, shapes);
    const theirs = weightsOf(to, shapes);
    if (!mine || !theirs) continue;
    const f = n.flat;
    const path = [...f.path, "shareWeights"];
    const subject = `${subjectOf(f)} shares weights with "${to.flat.id}"`;
    if (theirs.length === 0) {
      report(
        issue("invalid_params", path, `${subject}, but that ${to.kind} has no weights`, {
          nodeId: f.id,
          hint: "shareWeights applies to nodes with weights (conv2d, dense, lstm, batchNorm, …); remove it",
        }),
      );
      continue;
    }
    const names = (ws: readonly WeightSpec[]) => ws.map((w) => w.name).join(", ");
    if (names(mine) !== names(theirs)) {
      report(
        issue(
          "invalid_params",
          path,
          `${subject}, whose weights are ${names(theirs)}; its own would be ${names(mine) || "none"}`,
          {
            nodeId: f.id,
            expected: names(theirs),
            received: names(mine),
            hint: `give both nodes the same params (e.g. useBias)`,
          },
        ),
      );
      continue;
    }
    const k = mine.findIndex((w, j) => !sameShape(w.shape, theirs[j]!.shape));
    if (k < 0) continue;
    const [a, b] = [mine[k]!, theirs[k]!];
    report(
      issue(
        "shape_mismatch",
        path,
        `${subject}, but its ${a.name} would have shape ${formatShape(a.shape)}, expected ${formatShape(b.shape)} like "${to.flat.id}"'s`,
        {
          nodeId: f.id,
          expected: formatShape(b.shape),
          received: formatShape(a.shape),
          hint: "shared weights need the same input size and the same params in both nodes",
        },
      ),
    );
  }
}
