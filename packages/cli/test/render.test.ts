import { readFileSync } from "node:fs";
import { nodeImportResolver } from "@fusegraph/dsl/node";
import { findExample } from "@fusegraph/examples";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { renderGraph } from "../src/render/index.js";
import { FOUR_MERGES, graphOf } from "./render-fixtures.js";

// ---------------------------------------------------------------------------------------------------
// A minimal, strict XML 1.0 well-formedness checker (no DTDs, no CDATA: the renderer emits neither).
// It checks tag balance, attribute quoting and uniqueness, entity references and legal characters,
// and returns the element tree so the tests can query it.
// ---------------------------------------------------------------------------------------------------

interface XmlElement {
  name: string;
  attrs: Map<string, string>;
  children: XmlElement[];
  /** Direct character data, entities decoded. */
  text: string;
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ENTITY = /&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/y;
const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function legalChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** Decodes character data, rejecting `<`, a bare `&`, `>` (stricter than XML: we always escape it) and illegal characters. */
function decode(raw: string, where: string, quote?: string): string {
  let out = "";
  for (let i = 0; i < raw.length; ) {
    const code = raw.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(code);
    if (!legalChar(code)) throw new Error(`illegal character U+${code.toString(16)} in ${where}`);
    if (ch === "<" || ch === ">" || ch === quote) throw new Error(`unescaped ${ch} in ${where}`);
    if (ch === "&") {
      ENTITY.lastIndex = i;
      const m = ENTITY.exec(raw);
      if (!m) throw new Error(`bare & in ${where}: ${raw.slice(i, i + 12)}`);
      const e = m[1] ?? "";
      out += e.startsWith("#x")
        ? String.fromCodePoint(Number.parseInt(e.slice(2), 16))
        : e.startsWith("#")
          ? String.fromCodePoint(Number(e.slice(1)))
          : NAMED[e];
      i += m[0].length;
      continue;
    }
    out += ch;
    i += ch.length;
  }
  return out;
}

function parseXml(src: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const fail = (why: string): never => {
    throw new Error(`${why} at offset ${i}: ${JSON.stringify(src.slice(i, i + 40))}`);
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) fail("expected a name");
    i += (m as RegExpExecArray)[0].length;
    return (m as RegExpExecArray)[0];
  };
  const ws = (): boolean => {
    const start = i;
    while (/\s/.test(src[i] ?? "")) i++;
    return i > start;
  };
  if (src.startsWith("<?xml")) {
    i = src.indexOf("?>");
    if (i < 0) fail("unterminated prolog");
    i += 2;
  }
  while (i < src.length) {
    if (src.startsWith("<!--", i)) {
      const end = src.indexOf("-->", i);
      if (end < 0) fail("unterminated comment");
      i = end + 3;
    } else if (src.startsWith("</", i)) {
      i += 2;
      const n = name();
      ws();
      if (src[i] !== ">") fail("expected > after closing tag");
      i++;
      const open = stack.pop();
      if (!open || open.name !== n) fail(`</${n}> closes <${open?.name ?? "nothing"}>`);
    } else if (src.startsWith("<!", i) || src.startsWith("<?", i)) {
      fail("unexpected declaration");
    } else if (src[i] === "<") {
      i++;
      const el: XmlElement = { name: name(), attrs: new Map(), children: [], text: "" };
      for (;;) {
        const spaced = ws();
        if (src.startsWith("/>", i) || src[i] === ">") break;
        if (!spaced) fail("attributes must be separated by whitespace");
        const a = name();
        ws();
        if (src[i] !== "=") fail(`attribute ${a} has no =`);
        i++;
        ws();
        const q = src[i];
        if (q !== '"' && q !== "'") fail(`attribute ${a} is not quoted`);
        const end = src.indexOf(q as string, i + 1);
        if (end < 0) fail(`attribute ${a} is unterminated`);
        if (el.attrs.has(a)) fail(`duplicate attribute ${a}`);
        el.attrs.set(a, decode(src.slice(i + 1, end), `attribute ${a}`, q));
        i = end + 1;
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else if (root) fail("second root element");
      else root = el;
      if (src[i] === ">") {
        stack.push(el);
        i++;
      } else i += 2;
    } else {
      const end = src.indexOf("<", i);
      const raw = src.slice(i, end < 0 ? src.length : end);
      const parent = stack[stack.length - 1];
      if (parent) parent.text += decode(raw, `text of <${parent.name}>`);
      else if (raw.trim() !== "") fail("text outside the root element");
      i += raw.length;
    }
  }
  if (stack.length > 0) fail(`unclosed <${stack.map((e) => e.name).join("> <")}>`);
  if (!root) return fail("no root element");
  return root;
}

function all(el: XmlElement, pred: (e: XmlElement) => boolean, out: XmlElement[] = []): XmlElement[] {
  if (pred(el)) out.push(el);
  for (const c of el.children) all(c, pred, out);
  return out;
}

const classes = (e: XmlElement): string[] => (e.attrs.get("class") ?? "").split(/\s+/);
const hasClass = (c: string) => (e: XmlElement) => classes(e).includes(c);
const textOf = (e: XmlElement): string => [e.text, ...e.children.map(textOf)].join(" ");

function edgePairs(svg: XmlElement): string[] {
  return all(svg, hasClass("edge")).map((e) => `${e.attrs.get("data-from")} -> ${e.attrs.get("data-to")}`);
}

function nodeById(svg: XmlElement, id: string): XmlElement {
  const found = all(svg, (e) => hasClass("node")(e) && e.attrs.get("data-id") === id);
  expect(found, `one box for ${id}`).toHaveLength(1);
  return found[0] as XmlElement;
}

describe("the XML checker used below", () => {
  it("accepts a well-formed document and decodes entities", () => {
    const doc = parseXml(`<?xml version="1.0"?>\n<a x='1' y="&lt;&amp;&#65;"><b/>t &gt; u<c></c></a>\n`);
    expect(doc.attrs.get("y")).toBe("<&A");
    expect(doc.children.map((c) => c.name)).toEqual(["b", "c"]);
    expect(doc.text).toBe("t > u");
  });
  it.each([
    ["<a><b></a></b>", "closes"],
    ["<a x=1></a>", "not quoted"],
    ['<a x="1"y="2"></a>', "whitespace"],
    ['<a x="1" x="2"></a>', "duplicate"],
    ["<a>A & B</a>", "bare &"],
    ["<a>1 < 2</a>", "expected a name"],
    ['<a t="say "hi""></a>', "whitespace"],
    ["<a>\u0001</a>", "illegal character"],
    ["<a></a><b></b>", "second root"],
    ["<a>", "unclosed"],
  ])("rejects %s", (src, why) => {
    expect(() => parseXml(src)).toThrow(why);
  });
});

describe("renderGraph: SVG", () => {
  const resnet = graphOf(findExample("resnet50")?.spec() ?? "");
  let expanded: XmlElement;
  let collapsed: XmlElement;
  beforeAll(async () => {
    expanded = parseXml(await renderGraph(resnet, { format: "svg", expand: true }));
    collapsed = parseXml(await renderGraph(resnet, { format: "svg" }));
  });

  it("expanded: one op box per graph node, pills for the input and output, every edge once", () => {
    const ops = all(expanded, (e) => hasClass("node")(e) && (hasClass("op")(e) || hasClass("merge")(e)));
    expect(ops.map((e) => e.attrs.get("data-id")).sort()).toEqual(resnet.nodes.map((n) => n.id).sort());
    expect(all(expanded, hasClass("input")).map((e) => e.attrs.get("data-id"))).toContain("image");
    expect(nodeById(expanded, "output:fc").attrs.get("class")).toBe("node output");
    const expected = new Set([
      ...resnet.nodes.flatMap((n) => n.inputs.map((r) => `${r} -> ${n.id}`)),
      "fc -> output:fc",
    ]);
    const pairs = edgePairs(expanded);
    expect(pairs).toHaveLength(expected.size);
    expect(new Set(pairs)).toEqual(expected);
  });

  it("expanded: merges carry their mode's class; boxes show id, kind and shape; tooltips the cost", () => {
    const adds = resnet.nodes.filter((n) => n.kind === "add");
    expect(adds).toHaveLength(16); // one per bottleneck: 3 + 4 + 6 + 3
    for (const n of adds) expect(classes(nodeById(expanded, n.id))).toEqual(["node", "merge", "merge-add"]);
    const add = nodeById(expanded, "layer1.0/add");
    expect(textOf(add)).toContain("merge: add");
    expect(textOf(add)).toContain("56×56×256");
    // conv1: 7·7·3·64 weights, no bias; 112·112 outputs × 64 × 147 MACs = 118.01 M.
    const conv1 = nodeById(expanded, "conv1");
    const title = conv1.children.find((c) => c.name === "title");
    expect(title?.text).toContain("params: 9,408");
    expect(title?.text).toContain("MACs: 118.01 M");
    expect(all(conv1, hasClass("shape"))[0]?.text).toBe("112×112×64");
  });

  it("expanded: clusters for the block instances named by the ids; edges labelled with shapes", () => {
    const clusters = all(expanded, hasClass("cluster")).map((e) => e.attrs.get("data-id"));
    expect(clusters).toHaveLength(16);
    expect(clusters).toContain("layer3.5");
    const edge = all(expanded, hasClass("edge")).find(
      (e) => e.attrs.get("data-from") === "maxpool" && e.attrs.get("data-to") === "layer1.0/conv1",
    );
    expect(all(edge as XmlElement, hasClass("edge-label"))[0]?.text).toBe("56×56×64");
  });

  it("fits every box inside the viewBox", () => {
    for (const svg of [expanded, collapsed]) {
      const [x0, y0, w, h] = (svg.attrs.get("viewBox") ?? "").split(" ").map(Number);
      expect([x0, y0]).toEqual([0, 0]);
      const graph = all(svg, hasClass("graph"))[0] as XmlElement;
      const [dx, dy] = (/translate\(([\d.]+),([\d.]+)\)/.exec(graph.attrs.get("transform") ?? "") ?? [])
        .slice(1)
        .map(Number);
      const rects = all(graph, (e) => e.name === "rect");
      expect(rects.length).toBeGreaterThan(10);
      for (const r of rects) {
        const [x, y, rw, rh] = ["x", "y", "width", "height"].map((k) => Number(r.attrs.get(k)));
        expect((x as number) + (dx as number)).toBeGreaterThanOrEqual(0);
        expect((x as number) + (rw as number) + (dx as number)).toBeLessThanOrEqual(w as number);
        expect((y as number) + (rh as number) + (dy as number)).toBeLessThanOrEqual(h as number);
      }
    }
  });

  it("collapsed: one box per block instance with its node count and parameters, deduplicated edges", () => {
    const box = (id: string) => (id.includes("/") ? (id.split("/")[0] as string) : id);
    const boxes = all(
      collapsed,
      (e) => hasClass("node")(e) && !hasClass("input")(e) && !hasClass("output")(e),
    );
    expect(new Set(boxes.map((e) => e.attrs.get("data-id")))).toEqual(
      new Set(resnet.nodes.map((n) => box(n.id))),
    );
    expect(boxes.length).toBeLessThan(resnet.nodes.length);
    expect(boxes.filter(hasClass("block"))).toHaveLength(16);
    // layer1.0: 1x1 (64·64) + 3x3 (9·64·64) + 1x1 (64·256) + projection (64·256) convs, 4 BNs of
    // 4 × (64, 64, 256, 256) values: 76,288 parameters over 12 nodes.
    const l10 = nodeById(collapsed, "layer1.0");
    expect(textOf(l10)).toContain("block · 12 nodes");
    expect(textOf(l10)).toContain("76.29 K params");
    expect(l10.children.find((c) => c.name === "title")?.text).toContain("params: 76,288");
    expect(textOf(l10)).toContain("1× add");
    expect(textOf(nodeById(collapsed, "layer1.1"))).toContain("block · 10 nodes");

    const expected = new Set([
      ...resnet.nodes.flatMap((n) =>
        n.inputs.filter((r) => box(r) !== box(n.id)).map((r) => `${box(r)} -> ${box(n.id)}`),
      ),
      "fc -> output:fc",
    ]);
    const pairs = edgePairs(collapsed);
    expect(pairs).toHaveLength(expected.size);
    expect(new Set(pairs)).toEqual(expected);
    const crossing = all(collapsed, hasClass("edge")).find(
      (e) => e.attrs.get("data-from") === "layer3.5" && e.attrs.get("data-to") === "layer4.0",
    );
    expect(all(crossing as XmlElement, hasClass("edge-label"))[0]?.text).toBe("14×14×1024");
  });

  it("collapses a graph built from blocks (scopes) the same way as its flat twin", async () => {
    const path = findExample("resnet50")?.yamlPath;
    expect(path).toBeDefined();
    // Its blocks come from @fusegraph/blocks, resolved from the spec's own file.
    const text = readFileSync(path as string, "utf8");
    const graph = graphOf(text, { filename: path as string, resolveImport: nodeImportResolver() });
    const svg = parseXml(await renderGraph(graph, { format: "svg" }));
    const ids = (s: XmlElement) => new Set(all(s, hasClass("node")).map((e) => e.attrs.get("data-id")));
    expect(ids(svg)).toEqual(ids(collapsed));
  });

  it("has a legend naming all four merge modes with their counts", () => {
    const legend = all(expanded, hasClass("legend"));
    expect(legend).toHaveLength(1);
    const text = textOf(legend[0] as XmlElement);
    for (const label of [
      "merge: add (16)",
      "merge: concat (0)",
      "merge: weightedAdd (0)",
      "merge: conv1x1Add (0)",
    ])
      expect(text).toContain(label);
    expect(text).toContain("graph input");
    expect(text).toContain("graph output");
  });
});

describe("renderGraph: every merge mode, blocks from scopes", () => {
  const g = graphOf(FOUR_MERGES);

  it("colours each mode with its own class and counts them in the legend", async () => {
    const svg = parseXml(await renderGraph(g, { format: "svg", expand: true }));
    const modeOf = (id: string) => classes(nodeById(svg, id)).find((c) => c.startsWith("merge-"));
    expect(["r.0/sum", "r.1/sum", "cat", "wsum", "proj"].map(modeOf)).toEqual([
      "merge-add",
      "merge-add",
      "merge-concat",
      "merge-weightedAdd",
      "merge-conv1x1Add",
    ]);
    expect(modeOf("a")).toBeUndefined();
    const legend = textOf(all(svg, hasClass("legend"))[0] as XmlElement);
    for (const l of ["add (2)", "concat (1)", "weightedAdd (1)", "conv1x1Add (1)"])
      expect(legend).toContain(l);
    expect(all(svg, hasClass("cluster")).map((e) => e.attrs.get("data-id"))).toEqual(["r.0", "r.1"]);
    expect(textOf(nodeById(svg, "cat"))).toContain("8×8×12");
  });

  it("collapsed: a block read from outside twice still has one edge in", async () => {
    const svg = parseXml(await renderGraph(g, { format: "svg" }));
    const ids = all(svg, hasClass("node")).map((e) => e.attrs.get("data-id"));
    expect(ids).toEqual(["x", "a", "b", "r.0", "r.1", "cat", "wsum", "proj", "output:proj", "output:wsum"]);
    // r.0/c and r.0/sum both read a; r.1 reads r.0's output twice (conv and shortcut).
    expect(edgePairs(svg).filter((p) => p === "a -> r.0")).toHaveLength(1);
    expect(edgePairs(svg).filter((p) => p === "r.0 -> r.1")).toHaveLength(1);
    // r.0's only weights: a 3·3·4·4 kernel and 4 biases.
    expect(textOf(nodeById(svg, "r.0"))).toContain("148 params");
  });

  it("escapes any title into well-formed XML that reads back the same", async () => {
    const small = graphOf(
      "fusegraph: 1\nname: t\ninputs: { x: [4] }\nnodes: { d: { op: dense, input: x, units: 2 } }\noutputs: [d]\n",
    );
    // Characters XML cannot carry at all are expected back as U+FFFD.
    const representable = (t: string) =>
      [...t].map((ch) => (legalChar(ch.codePointAt(0) ?? 0) ? ch : "\uFFFD")).join("");
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: "binary" }), fc.constantFrom(`<script>&"'</script>`, "]]>", "&amp;")),
        async (title) => {
          const svg = parseXml(await renderGraph(small, { format: "svg", title }));
          const heading = all(svg, hasClass("heading"))[0]?.text;
          expect(heading).toBe(representable(title));
          expect(svg.attrs.get("aria-label")).toBe(representable(title));
        },
      ),
      { numRuns: 25 },
    );
  });

  it("refuses an unknown format", async () => {
    await expect(renderGraph(g, { format: "png" as "svg" })).rejects.toThrow(/unknown format "png"/);
  });
});

describe.runIf(process.env.FUSEGRAPH_SLOW)(
  process.env.FUSEGRAPH_SLOW
    ? "renderGraph: large graphs (slow)"
    : "renderGraph: large graphs (skipped unless FUSEGRAPH_SLOW=1: seconds per graph)",
  () => {
    it.each(["resnet152", "densenet201"])("lays %s out expanded in seconds", async (name) => {
      const g = graphOf(findExample(name)?.spec() ?? "");
      const t0 = performance.now();
      const svg = parseXml(await renderGraph(g, { format: "svg", expand: true }));
      expect(performance.now() - t0).toBeLessThan(30_000);
      const ops = all(svg, (e) => hasClass("node")(e) && (hasClass("op")(e) || hasClass("merge")(e)));
      expect(ops).toHaveLength(g.nodes.length);
    });
  },
);
