import { type Graph, ID_PATTERN } from "@fusegraph/dsl";
import { findExample } from "@fusegraph/examples";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderGraph } from "../src/render/index.js";
import { mermaidIds } from "../src/render/mermaid.js";
import { FOUR_MERGES, graphOf } from "./render-fixtures.js";

/** Every data and param edge of the graph, expanded, plus one per graph output. */
function expandedEdges(g: Graph): Set<string> {
  return new Set([
    ...g.nodes.flatMap((n) => n.inputs.map((r) => `${r} -> ${n.id}`)),
    ...g.outputs.map((o) => `${o} -> output:${o}`),
  ]);
}

/** `{` and `}` outside DOT quoted strings must balance, never going negative. */
function bracesBalance(dot: string): boolean {
  let depth = 0;
  for (const ch of dot.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if (ch === "{") depth++;
    if (ch === "}" && --depth < 0) return false;
  }
  return depth === 0;
}

describe("renderGraph: DOT", () => {
  const g = graphOf(FOUR_MERGES);

  it("declares every node once, every edge, and nests block instances as clusters when expanded", async () => {
    const dot = await renderGraph(g, { format: "dot", expand: true });
    expect(dot.startsWith('digraph "four-merges" {')).toBe(true);
    expect(bracesBalance(dot)).toBe(true);
    for (const id of [...g.inputs.map((i) => i.id), ...g.nodes.map((n) => n.id)]) {
      expect(dot.split("\n").filter((l) => l.trim().startsWith(`"${id}" [`))).toHaveLength(1);
    }
    const edges = dot.match(/^ {2}"[^"]+" -> "[^"]+"/gm)?.map((l) => l.trim().replace(/"/g, "")) ?? [];
    expect(new Set(edges)).toEqual(expandedEdges(g));
    expect(edges).toHaveLength(expandedEdges(g).size);
    expect(dot).toContain('subgraph "cluster_r.0" {');
    expect(dot).toContain('subgraph "cluster_r.1" {');
    expect(dot).toMatch(/"cat" \[[^\n]*class="merge merge-concat"/);
    expect(dot).toMatch(/"proj" \[[^\n]*color="#CC79A7"/);
    expect(dot).toContain('"r.0/c" -> "r.0/sum" [label="8×8×4"]');
  });

  it("collapses block instances into box3d nodes with deduplicated edges", async () => {
    const dot = await renderGraph(g, { format: "dot" });
    expect(dot).not.toContain("cluster_r.0");
    expect(dot).toMatch(/"r\.0" \[[^\n]*shape=box3d/);
    expect(dot.match(/"a" -> "r\.0"/g)).toHaveLength(1);
    expect(dot).not.toContain('"r.0/c"');
  });

  it("escapes quotes and backslashes in the title and markup in HTML labels", async () => {
    const dot = await renderGraph(g, { format: "dot", title: 'say "hi" \\ <b>&' });
    expect(dot.startsWith('digraph "say \\"hi\\" \\\\ <b>&" {')).toBe(true);
    expect(bracesBalance(dot)).toBe(true);
  });

  it("names every box of a large example", async () => {
    const resnet = graphOf(findExample("resnet50")?.spec() ?? "");
    const dot = await renderGraph(resnet, { format: "dot", expand: true });
    for (const n of resnet.nodes) expect(dot).toContain(`"${n.id}" [`);
    expect(bracesBalance(dot)).toBe(true);
  });
});

interface ParsedMermaid {
  /** Original id (from the bold first row of the label) -> mermaid id. */
  nodes: Map<string, string>;
  classOf: Map<string, string>;
  edges: Set<string>;
  subgraphs: string[];
  ends: number;
}

function decodeMermaid(s: string): string {
  return s.replace(/#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)));
}

function parseMermaid(text: string): ParsedMermaid {
  const nodes = new Map<string, string>();
  const classOf = new Map<string, string>();
  const edges = new Set<string>();
  const subgraphs: string[] = [];
  let ends = 0;
  for (const line of text.split("\n")) {
    const node = /^\s*(\w+)(?:\(\[|\[\[|\[)"<b>(.*?)<\/b>.*"(?:\]\)|\]\]|\]):::(\w+)$/.exec(line);
    const edge = /^\s*(\w+) -->\|"[^"]*"\| (\w+)$/.exec(line);
    const sub = /^\s*subgraph (\w+) \["(.*)"\]$/.exec(line);
    if (node) {
      const [, id, label, cls] = node as unknown as [string, string, string, string];
      // An output's box is labelled with the id of the node it shows; key it as the SVG does.
      const original = cls === "output" ? `output:${decodeMermaid(label)}` : decodeMermaid(label);
      expect(nodes.has(original), `${original} defined twice`).toBe(false);
      nodes.set(original, id);
      classOf.set(original, cls);
    } else if (edge) edges.add(`${edge[1]} -> ${edge[2]}`);
    else if (sub) subgraphs.push(sub[1] as string);
    else if (line.trim() === "end") ends++;
  }
  return { nodes, classOf, edges, subgraphs, ends };
}

describe("renderGraph: Mermaid", () => {
  const g = graphOf(FOUR_MERGES);

  it("draws every node under a safe id, every edge, and a classDef per merge mode", async () => {
    const text = await renderGraph(g, { format: "mermaid", expand: true });
    expect(text.split("\n").slice(0, 4)).toEqual(["---", 'title: "four-merges"', "---", "flowchart TB"]);
    const m = parseMermaid(text);
    expect(m.nodes.size).toBe(g.inputs.length + g.nodes.length + g.outputs.length);
    for (const n of g.nodes) expect(m.nodes.get(n.id)).toMatch(/^[A-Za-z0-9_]+$/);
    expect(new Set(m.nodes.values()).size).toBe(m.nodes.size);
    const expected = [...expandedEdges(g)].map((e) => {
      const [from, to] = e.split(" -> ") as [string, string];
      return `${m.nodes.get(from)} -> ${m.nodes.get(to)}`;
    });
    expect(m.edges).toEqual(new Set(expected));
    expect(m.subgraphs).toEqual(["c_r_0", "c_r_1"]);
    expect(m.ends).toBe(2);
    for (const mode of ["add", "concat", "weightedAdd", "conv1x1Add"])
      expect(text).toContain(`classDef merge_${mode} `);
    expect(m.classOf.get("r.0/sum")).toBe("merge_add");
    expect(m.classOf.get("wsum")).toBe("merge_weightedAdd");
    expect(m.classOf.get("a")).toBe("op");
    expect(text).toContain('n_x(["<b>x</b><br/>input<br/>8×8×4"]):::input');
  });

  it("collapses block instances into framed boxes", async () => {
    const m = parseMermaid(await renderGraph(g, { format: "mermaid" }));
    expect(m.classOf.get("r.0")).toBe("block");
    expect(m.subgraphs).toEqual([]);
    expect(m.edges.has(`${m.nodes.get("a")} -> ${m.nodes.get("r.0")}`)).toBe(true);
  });

  it("escapes quotes and markup in the title", async () => {
    const text = await renderGraph(g, { format: "mermaid", title: 'a "b" <c>' });
    expect(text.split("\n")[1]).toBe('title: "a \\"b\\" <c>"');
  });

  it("maps any set of graph ids to distinct ids of letters, digits and _", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(ID_PATTERN), { maxLength: 30 }), (keys) => {
        const ids = mermaidIds(keys, "n_");
        expect([...ids.keys()]).toEqual(keys);
        const values = [...ids.values()];
        expect(new Set(values).size).toBe(keys.length);
        for (const v of values) expect(v).toMatch(/^n_[A-Za-z0-9_]+$/);
      }),
    );
    // `a.b`, `a/b` and `a_b` all sanitise to `a_b`: later ones get a suffix.
    expect([...mermaidIds(["a.b", "a/b", "a_b"], "n_").values()]).toEqual(["n_a_b", "n_a_b_2", "n_a_b_3"]);
  });
});
