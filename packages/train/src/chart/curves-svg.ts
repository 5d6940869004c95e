import { niceAxis, tickLabel } from "./ticks.js";

export interface CurveSeries {
  label: string;
  values: readonly number[];
}

export interface CurvesSvgOptions {
  title: string;
  yLabel: string;
  /** Default "epoch". */
  xLabel?: string;
  /** The x value of each series' first point (default 1: values[0] is epoch 1). */
  xStart?: number;
}

/** Tableau 10: distinct hues that stay readable for the colour-blind. */
const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

const WIDTH = 640;
const HEIGHT = 360;
const PLOT = { left: 64, right: WIDTH - 168, top: 40, bottom: HEIGHT - 48 };

/** Text and attribute values escaped for XML. */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[c]};`,
  );
}

/** A coordinate with one decimal: deterministic text, never "-0.0". */
function coord(v: number): string {
  const s = v.toFixed(1);
  return s === "-0.0" ? "0.0" : s;
}

/** Runs of consecutive finite values as [x, y] points; a NaN or ±Infinity breaks the line. */
function segments(values: readonly number[], xStart: number): [number, number][][] {
  const out: [number, number][][] = [];
  let run: [number, number][] = [];
  values.forEach((v, i) => {
    if (Number.isFinite(v)) run.push([xStart + i, v]);
    else if (run.length > 0) {
      out.push(run);
      run = [];
    }
  });
  if (run.length > 0) out.push(run);
  return out;
}

/**
 * Training curves as standalone SVG text: axes with round ticks and grid lines, one polyline per series
 * (split where a value is NaN or infinite, a lone finite point drawn as a dot), a legend, and the labels
 * XML-escaped. Pure and deterministic: the same input gives the same bytes, for golden tests and diffs.
 */
export function curvesSvg(series: readonly CurveSeries[], options: CurvesSvgOptions): string {
  const xStart = options.xStart ?? 1;
  const finite = series.flatMap((s) => s.values.filter(Number.isFinite));
  const length = series.reduce((m, s) => Math.max(m, s.values.length), 0);
  const yMin = finite.length > 0 ? finite.reduce((a, b) => Math.min(a, b)) : 0;
  const yMax = finite.length > 0 ? finite.reduce((a, b) => Math.max(a, b)) : 1;
  const xAxis = niceAxis(xStart, xStart + Math.max(1, length - 1), 6, true);
  const yAxis = niceAxis(yMin, yMax, 5);
  const px = (x: number) => PLOT.left + ((x - xAxis.lo) / (xAxis.hi - xAxis.lo)) * (PLOT.right - PLOT.left);
  const py = (y: number) => PLOT.bottom - ((y - yAxis.lo) / (yAxis.hi - yAxis.lo)) * (PLOT.bottom - PLOT.top);
  const midX = (PLOT.left + PLOT.right) / 2;
  const midY = (PLOT.top + PLOT.bottom) / 2;

  const lines: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${coord(midX)}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`,
    `<g class="grid" stroke="#e0e0e0" stroke-width="1">`,
  ];
  for (const t of yAxis.ticks) {
    lines.push(`<line x1="${PLOT.left}" y1="${coord(py(t))}" x2="${PLOT.right}" y2="${coord(py(t))}"/>`);
  }
  lines.push("</g>", `<g class="axes" stroke="#333333" stroke-width="1">`);
  lines.push(`<line x1="${PLOT.left}" y1="${PLOT.bottom}" x2="${PLOT.right}" y2="${PLOT.bottom}"/>`);
  lines.push(`<line x1="${PLOT.left}" y1="${PLOT.top}" x2="${PLOT.left}" y2="${PLOT.bottom}"/>`);
  for (const t of xAxis.ticks) {
    lines.push(
      `<line x1="${coord(px(t))}" y1="${PLOT.bottom}" x2="${coord(px(t))}" y2="${PLOT.bottom + 5}"/>`,
    );
  }
  for (const t of yAxis.ticks) {
    lines.push(`<line x1="${PLOT.left - 5}" y1="${coord(py(t))}" x2="${PLOT.left}" y2="${coord(py(t))}"/>`);
  }
  lines.push("</g>", `<g class="tick-labels" fill="#333333">`);
  for (const t of xAxis.ticks) {
    lines.push(
      `<text x="${coord(px(t))}" y="${PLOT.bottom + 18}" text-anchor="middle">${tickLabel(t, xAxis.decimals)}</text>`,
    );
  }
  for (const t of yAxis.ticks) {
    lines.push(
      `<text x="${PLOT.left - 8}" y="${coord(py(t) + 4)}" text-anchor="end">${tickLabel(t, yAxis.decimals)}</text>`,
    );
  }
  lines.push(
    "</g>",
    `<text class="x-label" x="${coord(midX)}" y="${HEIGHT - 10}" text-anchor="middle">${escapeXml(options.xLabel ?? "epoch")}</text>`,
    `<text class="y-label" x="16" y="${coord(midY)}" text-anchor="middle" transform="rotate(-90 16 ${coord(midY)})">${escapeXml(options.yLabel)}</text>`,
  );
  if (finite.length === 0) {
    lines.push(
      `<text class="no-data" x="${coord(midX)}" y="${coord(midY)}" text-anchor="middle" fill="#888888">no data</text>`,
    );
  }
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    lines.push(`<g class="series" stroke="${color}" fill="${color}">`);
    for (const run of segments(s.values, xStart)) {
      if (run.length === 1) {
        const [x, y] = run[0]!;
        lines.push(`<circle cx="${coord(px(x))}" cy="${coord(py(y))}" r="3"/>`);
      } else {
        const points = run.map(([x, y]) => `${coord(px(x))},${coord(py(y))}`).join(" ");
        lines.push(`<polyline fill="none" stroke-width="2" points="${points}"/>`);
      }
    }
    lines.push("</g>");
  });
  lines.push(`<g class="legend" font-size="12">`);
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const y = PLOT.top + 8 + i * 18;
    lines.push(`<rect x="${PLOT.right + 16}" y="${y - 9}" width="12" height="12" fill="${color}"/>`);
    lines.push(`<text x="${PLOT.right + 34}" y="${y + 1}">${escapeXml(s.label)}</text>`);
  });
  lines.push("</g>", "</svg>", "");
  return lines.join("\n");
}
