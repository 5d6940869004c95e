import { issue, type SpecIssue } from "../issues.js";
import type { CheckedNode } from "./topology.js";

/** Nodes no output reads, directly or not: a warning, once per place they are written. */
export function warnUnused(
  nodes: CheckedNode[],
  outputs: (string | undefined)[],
  byId: Map<string, number>,
  report: (i: SpecIssue) => void,
): void {
  const used = new Uint8Array(nodes.length);
  const stack: number[] = [];
  for (const o of outputs) {
    const i = o === undefined ? undefined : byId.get(o);
    if (i !== undefined && !used[i]) {
      used[i] = 1;
      stack.push(i);
    }
  }
  while (stack.length > 0) {
    const n = nodes[stack.pop()!]!;
    // The node whose weights a used node shares is needed too (its weights live under its id).
    const reads = n.sharesWith === undefined ? n.deps : [...n.deps, n.sharesWith];
    for (const d of reads) {
      if (!used[d]) {
        used[d] = 1;
        stack.push(d);
      }
    }
  }
  const reported = new Set<string>();
  nodes.forEach((n, i) => {
    if (used[i]) return;
    const key = JSON.stringify(n.flat.path);
    if (reported.has(key)) return;
    reported.add(key);
    report(
      issue("unused_node", n.flat.path, `node "${n.flat.id}" is not used by any output`, {
        nodeId: n.flat.id,
        hint: "remove it, or list it (or a node that reads it) in outputs",
      }),
    );
  });
}
