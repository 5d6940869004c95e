import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { curvesSvg, escapeXml } from "./curves-svg.js";
import { sparkline } from "./sparkline.js";
import { niceAxis, tickLabel } from "./ticks.js";

/**
 * A minimal XML well-formedness check (Node has no DOMParser): every tag closes in order, attributes
 * are quoted, and text holds no raw `<` or unescaped `&`. Returns the first problem, or undefined.
 */
function xmlProblem(xml: string): string | undefined {
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/gy;
  for (let m = token.exec(xml); m !== null; m = token.exec(xml)) {
    const [, close, name, , selfClose, text, stray] = m;
    if (stray) return `stray "<" at ${m.index}`;
    if (text !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(text)) return `unescaped & in ${JSON.stringify(text)}`;
      continue;
    }
    if (close) {
      if (stack.pop() !== name) return `</${name}> closes the wrong tag at ${m.index}`;
    } else if (!selfClose) stack.push(name!);
    if (token.lastIndex === xml.length) break;
  }
  if (token.lastIndex !== 0 && token.lastIndex !== xml.length) return `unparsable at ${token.lastIndex}`;
  return stack.length > 0 ? `unclosed <${stack.join("><")}>` : undefined;
}

describe("xmlProblem (the test's own checker)", () => {
  it("accepts well-formed XML and catches broken tags, stray < and raw &", () => {
    expect(xmlProblem('<a x="1"><b/>t &amp; u</a>')).toBeUndefined();
    expect(xmlProblem("<a><b></a></b>")).toMatch(/wrong tag/);
    expect(xmlProblem("<a>")).toMatch(/unclosed/);
    expect(xmlProblem("<a>1 < 2</a>")).toMatch(/stray/);
    expect(xmlProblem("<a>R&D</a>")).toMatch(/unescaped/);
    expect(xmlProblem("<a x=1></a>")).toBeDefined();
  });
});

describe("curvesSvg", () => {
  const series = [
    { label: "add", values: [1, 0.6, 0.4] },
    { label: "concat", values: [1.2, 0.5, 0.3] },
  ];

  it("matches the golden file (axes, ticks, legend, one polyline per series)", () => {
    const svg = curvesSvg(series, { title: "tiny-unet on shapes", yLabel: "held-out loss" });
    const golden = readFileSync(new URL("./__fixtures__/curves.golden.svg", import.meta.url), "utf8");
    expect(svg).toBe(golden);
    expect(xmlProblem(svg)).toBeUndefined();
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    // Negative control: different data changes the bytes.
    const other = curvesSvg([series[0]!, { label: "concat", values: [1.2, 0.5, 0.31] }], {
      title: "tiny-unet on shapes",
      yLabel: "held-out loss",
    });
    expect(other).not.toBe(golden);
  });

  it("places points where the axes say: the highest value at the top tick, epochs left to right", () => {
    const svg = curvesSvg([{ label: "s", values: [0, 10] }], { title: "t", yLabel: "y" });
    const points = svg
      .match(/points="([^"]+)"/)?.[1]
      ?.split(" ")
      .map((p) => p.split(",").map(Number));
    // y axis 0..10: value 0 at the bottom (y=312), value 10 at the top (y=40); x from 1 to 2.
    expect(points).toEqual([
      [64, 312],
      [472, 40],
    ]);
    expect(svg).toContain(">10</text>");
    expect(svg).toContain(">0</text>");
  });

  it("escapes labels and the title", () => {
    const svg = curvesSvg([{ label: `a<b & "c"`, values: [1, 2] }], { title: "x</svg>", yLabel: "l'oss" });
    expect(xmlProblem(svg)).toBeUndefined();
    expect(svg).toContain("a&lt;b &amp; &quot;c&quot;");
    expect(svg).toContain("x&lt;/svg&gt;");
    expect(svg).not.toContain("x</svg>");
    expect(escapeXml(`<&>"'`)).toBe("&lt;&amp;&gt;&quot;&apos;");
  });

  it("splits a series at NaN/Infinity, draws a lone point as a dot, and survives empty and flat input", () => {
    const gap = curvesSvg([{ label: "g", values: [1, 2, Number.NaN, 3, 4, Number.POSITIVE_INFINITY, 5] }], {
      title: "t",
      yLabel: "y",
    });
    expect(xmlProblem(gap)).toBeUndefined();
    expect(gap.match(/<polyline /g)).toHaveLength(2);
    expect(gap.match(/<circle /g)).toHaveLength(1);
    expect(gap).not.toMatch(/NaN|Infinity/);

    for (const s of [[], [{ label: "e", values: [] }], [{ label: "n", values: [Number.NaN] }]]) {
      const svg = curvesSvg(s, { title: "t", yLabel: "y" });
      expect(xmlProblem(svg)).toBeUndefined();
      expect(svg).toContain("no data");
      expect(svg).not.toMatch(/NaN|Infinity/);
    }
    const flat = curvesSvg([{ label: "f", values: [0.5, 0.5, 0.5] }], { title: "t", yLabel: "y" });
    expect(xmlProblem(flat)).toBeUndefined();
    expect(flat).not.toMatch(/NaN|Infinity/);
    // The flat line sits mid-plot, not on an axis.
    expect(flat).toMatch(/points="64\.0,176\.0 268\.0,176\.0 472\.0,176\.0"/);
  });
});

describe("niceAxis", () => {
  it("gives round ticks covering the range", () => {
    expect(niceAxis(0.13, 0.87)).toEqual({
      lo: 0,
      hi: 1,
      ticks: [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1],
      decimals: 1,
    });
    expect(niceAxis(1, 3, 6, true).ticks).toEqual([1, 2, 3]);
    expect(niceAxis(2, 2).ticks.length).toBeGreaterThan(1);
    expect(tickLabel(-0.0001, 2)).toBe("0.00");
    expect(tickLabel(0.6000000000000001, 1)).toBe("0.6");
  });
});

describe("sparkline", () => {
  it("maps the smallest value to ▁ and the largest to █, gaps to spaces", () => {
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8])).toBe("▁▂▃▄▅▆▇█");
    expect(sparkline([8, 1])).toBe("█▁");
    expect(sparkline([1, Number.NaN, 3])).toBe("▁ █");
    expect(sparkline([2, 2])).toBe("▄▄");
    expect(sparkline([])).toBe("");
    expect(sparkline([Number.NaN])).toBe(" ");
  });
});
