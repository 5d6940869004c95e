import type { EngineId } from "./engines.js";
import type { BenchResult } from "./result.js";

/** Fixed colours per engine (the baseline's bar is the grey one at 1). */
const COLOURS: Record<EngineId, string> = {
  "fg-cpu-1t": "#9ecae1",
  "fg-cpu-all": "#3182bd",
  "fg-tfjs-wasm": "#fdae6b",
  "fg-tfjs-wasm-opt": "#e6550d",
  "tfjs-wasm-hand": "#969696",
  "ort-web": "#a1d99b",
  "ort-node": "#31a354",
  "tfjs-cpu": "#756bb1",
};

const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
const n1 = (v: number) => (Math.round(v * 10) / 10).toString();

/** Bars above this ratio are clipped (with their value written), so fast engines stay readable. */
export const RATIO_CAP = 3;

/**
 * Grouped bars per network at batch 1: each engine's median time relative to tfjs-wasm hand-built in the
 * same rounds (lower is faster), whiskers from the smallest to the largest per-round ratio. Pure function
 * of the result: no clock, no external fonts (generic `sans-serif`), numbers rounded to 0.1 px.
 */
export function renderChart(b: BenchResult): string {
  const cases = b.cases.filter((c) => c.batch === 1);
  const engines = [...new Set(cases.flatMap((c) => c.engines.filter((e) => e.time).map((e) => e.engine)))];
  const barW = 14;
  const groupGap = 28;
  const left = 56;
  const top = 48;
  const plotH = 240;
  const groupW = Math.max(1, engines.length) * barW;
  const plotW = Math.max(1, cases.length) * (groupW + groupGap);
  const legendH = 18 * engines.length + 8;
  // NOTE: wide enough for the title and the longest legend label with one network.
  const width = Math.max(left + plotW + 16, 620);
  const height = top + plotH + 40 + legendH;
  const maxRatio = Math.max(
    1,
    ...cases.flatMap((c) => c.engines.map((e) => (e.engine === b.baseline ? 1 : (e.ratio?.max ?? 0)))),
  );
  const yMax = Math.min(RATIO_CAP, Math.ceil(maxRatio * 2) / 2);
  const y = (v: number) => top + plotH - (Math.min(v, yMax) / yMax) * plotH;
  const title = `Time relative to tfjs-wasm hand-built, batch 1 (${b.mode === "busy" ? "busy neighbour running" : "no neighbour started"}; load ${b.machine.loadBefore[0].toFixed(2)} before)`;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11" role="img">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${left}" y="18" font-size="13" font-weight="bold">${esc(title)}</text>`,
    `<text x="${left}" y="34" fill="#555">${esc("median of per-round ratios; whiskers: min–max; lower is faster")}</text>`,
  ];
  for (let t = 0; t <= yMax + 1e-9; t += 0.5) {
    out.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${n1(y(t))}" y2="${n1(y(t))}" stroke="${t === 1 ? "#444" : "#ddd"}"${t === 1 ? ' stroke-dasharray="4 3"' : ""}/>`,
      `<text x="${left - 6}" y="${n1(y(t) + 4)}" text-anchor="end">${t.toFixed(1)}</text>`,
    );
  }
  cases.forEach((c, gi) => {
    const gx = left + gi * (groupW + groupGap) + groupGap / 2;
    engines.forEach((id, ei) => {
      const e = c.engines.find((r) => r.engine === id);
      if (!e?.time) return;
      const ratio = id === b.baseline ? { median: 1, min: 1, max: 1 } : e.ratio;
      if (!ratio) return;
      const x = gx + ei * barW;
      const h = top + plotH - y(ratio.median);
      out.push(
        `<rect x="${n1(x + 1)}" y="${n1(y(ratio.median))}" width="${barW - 2}" height="${n1(h)}" fill="${COLOURS[id]}"${e.agrees === false ? ' stroke="#d00" stroke-width="2"' : ""}><title>${esc(`${id}: ${ratio.median.toFixed(3)} [${ratio.min.toFixed(3)}–${ratio.max.toFixed(3)}]`)}</title></rect>`,
      );
      const cx = n1(x + barW / 2);
      out.push(
        `<line x1="${cx}" x2="${cx}" y1="${n1(y(ratio.min))}" y2="${n1(y(ratio.max))}" stroke="#222"/>`,
      );
      if (ratio.median > yMax) {
        out.push(
          `<text x="${cx}" y="${top - 4}" text-anchor="middle" font-size="9">${ratio.median.toFixed(1)}</text>`,
        );
      }
    });
    out.push(
      `<text x="${n1(gx + groupW / 2)}" y="${top + plotH + 16}" text-anchor="middle">${esc(c.network)}</text>`,
    );
  });
  engines.forEach((id, i) => {
    const ly = top + plotH + 36 + i * 18;
    const label = b.cases.flatMap((c) => c.engines).find((e) => e.engine === id)?.label ?? id;
    out.push(
      `<rect x="${left}" y="${ly}" width="12" height="12" fill="${COLOURS[id]}"/>`,
      `<text x="${left + 18}" y="${ly + 10}">${esc(label)}</text>`,
    );
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
