import type { FlatNode } from "../blocks/blocks.js";
import type { SpecDocument } from "../document/document.js";
import { issue, type SpecIssue } from "../issues.js";
import type { Shape } from "../shape.js";
import { checkNode, type ShareRequest } from "./check-node.js";
import { ExpansionFallout } from "./fallout.js";
import { Resolver, resolveOutputs, resolveRefs } from "./resolve.js";
import { resolveShares } from "./share-weights.js";
import { topoOrder } from "./topo.js";
import type { CheckedNode, Topology } from "./topology.js";
import { warnUnused } from "./unused.js";

/**
 * Checks every flat node (kind, params, arity), resolves refs through block aliases, finds duplicate
 * ids and cycles, resolves `shareWeights` targets, orders the nodes topologically and warns about nodes
 * no output depends on. All of it is iterative: a 10,000-node chain costs no stack depth.
 * `expansion` holds what block expansion reported, so its consequences are not reported twice.
 */
export function buildTopology(
  doc: SpecDocument,
  flat: readonly FlatNode[],
  aliases: ReadonlyMap<string, string>,
  poisoned: ReadonlySet<string>,
  report: (i: SpecIssue) => void,
  expansion: readonly SpecIssue[] = [],
): Topology {
  const inputs = new Map<string, Shape>(Object.keys(doc.inputs).map((k) => [k, doc.inputs[k] as Shape]));
  const byId = new Map<string, number>();
  const nodes: CheckedNode[] = [];

  for (const f of flat) {
    const firstIdx = byId.get(f.id);
    if (inputs.has(f.id) || firstIdx !== undefined) {
      const other = firstIdx !== undefined ? nodes[firstIdx]?.flat : undefined;
      report(
        issue(
          "duplicate_id",
          f.path,
          other
            ? `node id "${f.id}" is produced twice (first at ${other.path.join(".")})`
            : `node id "${f.id}" is also the id of a graph input`,
          { nodeId: f.id, hint: "node and input ids share one namespace; rename one of them" },
        ),
      );
      continue;
    }
    byId.set(f.id, nodes.length);
    nodes.push({
      flat: f,
      kind: undefined,
      def: undefined,
      params: undefined,
      inputs: [],
      deps: [],
      ok: true,
    });
  }

  const look = new Resolver(inputs, byId, aliases, poisoned);
  const fallout = new ExpansionFallout(doc, expansion, (id) => look.produced(id));
  const shares: ShareRequest[] = [];
  nodes.forEach((n, index) => {
    const share = checkNode(n, fallout, report);
    if (share) shares.push({ node: index, ref: share.share, path: [...n.flat.path, "shareWeights"] });
    resolveRefs(doc, n, look, fallout, report);
  });

  resolveShares(nodes, shares, look, fallout, report);
  const order = topoOrder(nodes, report);
  const outputs = resolveOutputs(doc, look, fallout, report);
  // NOTE: with expansion errors the graph lacks nodes, so "unused" would mostly mean "cut off".
  if (fallout.complete) warnUnused(nodes, outputs, byId, report);
  return { nodes, order, inputs, outputs };
}
