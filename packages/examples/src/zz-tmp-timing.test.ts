import { it } from "vitest";
import { validateSpec } from "@fusegraph/dsl";
import { graphToDocument } from "../../dsl/src/analysis/graph-document.js";
import { builtinExamples } from "./catalog.js";
it("timing", () => {
  for (const e of builtinExamples) {
    const doc = e.spec();
    let t = performance.now();
    const r = validateSpec(doc);
    const t1 = performance.now() - t;
    if (!r.ok) { console.log(e.name, "invalid", r.issues[0]); continue; }
    const d2 = graphToDocument(r.graph);
    t = performance.now();
    const r2 = validateSpec(d2);
    const t2 = performance.now() - t;
    const merges = r.graph.nodes.filter(n => ["add","concat","weightedAdd","conv1x1Add"].includes(n.kind)).length;
    let same = r2.ok && r2.graph.nodes.length === r.graph.nodes.length && r2.graph.nodes.every((n, i) => n.id === r.graph.nodes[i]!.id && JSON.stringify(n.shape) === JSON.stringify(r.graph.nodes[i]!.shape) && JSON.stringify(n.params) === JSON.stringify(r.graph.nodes[i]!.params));
    console.log(e.name, r.graph.nodes.length, "merges", merges, t1.toFixed(1), t2.toFixed(1), "roundtrip", same, r2.ok ? "" : r2.issues[0]);
  }
});
