import { issue, type SpecIssue } from "../issues.js";
import type { CheckedNode } from "./topology.js";

/**
 * Depth-first post-order with an explicit stack (document order first, so a document written in order
 * keeps it). A dependency still on the stack closes a cycle: the nodes between are reported once.
 */
export function topoOrder(nodes: CheckedNode[], report: (i: SpecIssue) => void): number[] {
  const state = new Uint8Array(nodes.length); // 0 new, 1 on stack, 2 done
  const stackPos = new Int32Array(nodes.length).fill(-1);
  const order: number[] = [];
  const seenCycles = new Set<string>();
  const stack: { i: number; k: number }[] = [];
  for (let root = 0; root < nodes.length; root++) {
    if (state[root] !== 0) continue;
    state[root] = 1;
    stackPos[root] = 0;
    stack.push({ i: root, k: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const deps = nodes[top.i]!.deps;
      if (top.k < deps.length) {
        const d = deps[top.k++]!;
        if (state[d] === 0) {
          state[d] = 1;
          stackPos[d] = stack.length;
          stack.push({ i: d, k: 0 });
        } else if (state[d] === 1) {
          const members = stack.slice(stackPos[d]).map((f) => f.i);
          for (const m of members) nodes[m]!.ok = false;
          const key = [...members].sort((a, b) => a - b).join(",");
          if (seenCycles.has(key)) continue;
          seenCycles.add(key);
          // Members run from d to what reads it; data flows the other way, so reverse, starting at d.
          const ids = members.map((m) => nodes[m]!.flat.id).reverse();
          ids.unshift(ids.pop()!);
          const first = nodes[d]!.flat;
          report(
            issue(
              "cycle",
              first.path,
              `nodes form a cycle: ${[...ids, ids[0]].map((s) => `"${s}"`).join(" -> ")}`,
              {
                nodeId: first.id,
                hint: "a node cannot depend on its own output; break the loop",
              },
            ),
          );
        }
      } else {
        state[top.i] = 2;
        stack.pop();
        order.push(top.i);
      }
    }
  }
  return order;
}
