import { formatLoad } from "./machine.js";
import type { BenchResult, CaseResult, EngineResult } from "./result.js";
import { roundRatios, type Spread, spread } from "./stats.js";

const f1 = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "—" : v.toFixed(1));
const f2 = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "—" : v.toFixed(2));

function ratioCell(r: EngineResult, baseline: string): string {
  if (r.engine === baseline) return r.time ? "1 (baseline)" : "—";
  if (!r.ratio) return "—";
  return `${r.ratio.median.toFixed(3)} [${r.ratio.min.toFixed(3)}–${r.ratio.max.toFixed(3)}]`;
}

function agreementCell(r: EngineResult): string {
  if (r.maxRelError === undefined) return "—";
  const e = Number.isNaN(r.maxRelError) ? "NaN" : r.maxRelError.toExponential(1);
  return r.agrees ? e : `**${e} DISAGREES**`;
}

/** The header: machine, mode, load average before and after. */
export function machineHeader(b: BenchResult): string {
  const m = b.machine;
  return [
    `# fusegraph bench, ${b.date}`,
    "",
    `- machine: ${m.cpuModel}, ${m.cores} cores available, ${m.memoryGb} GB, node ${m.node} ${m.platform}`,
    `- mode: **${b.mode}**${b.mode === "busy" ? " (one CPU-bound neighbour process ran beside the bench)" : " (no neighbour started; the load average says how quiet the machine was)"}`,
    `- load average (1/5/15 min): before ${formatLoad(m.loadBefore)}, after ${m.loadAfter ? formatLoad(m.loadAfter) : "—"}`,
    `- ratios: per-round time / ${b.baseline} time in the same round, median [min–max]; agreement: max |y - y_cpu| / max |y_cpu| per output vs ${b.reference} (flagged above ${b.tolerance})`,
    `- wall time of the whole run: ${(b.wallSeconds / 60).toFixed(1)} min`,
    ...b.notes.map((n) => `- note: ${n}`),
  ].join("\n");
}

export function caseTable(c: CaseResult, baseline: string): string {
  const lines = [
    `## ${c.title}, batch ${c.batch} (${c.gmacs.toFixed(2)} GMACs; ${c.warmup} warm-up, ${c.rounds} interleaved rounds)`,
    "",
    "| engine | network | batch | median ms | min ms | ratio vs tfjs-wasm hand-built | peak RSS MB | threads | cpu/wall | max rel err |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of c.engines) {
    if (r.error) {
      lines.push(
        `| ${r.engine} | ${c.network} | ${c.batch} | failed: ${r.error.replaceAll("|", "/")} | | | | | | |`,
      );
      continue;
    }
    lines.push(
      `| ${r.engine} | ${c.network} | ${c.batch} | ${f1(r.time?.median)} | ${f1(r.time?.min)} | ${ratioCell(r, baseline)} | ${f1(r.peakRssMb)} | ${r.threads ?? "—"} | ${f2(r.cpuPerWall)} | ${agreementCell(r)} |`,
    );
  }
  return lines.join("\n");
}

export function profileTable(c: CaseResult): string {
  if (!c.profile) return "";
  const p = c.profile;
  const lines = [
    `### backend-cpu profile per op kind (${p.engine}, ${c.network} batch ${c.batch}, one run of ${p.totalMs.toFixed(1)} ms)`,
    "",
    "| kind | calls | ms | share | GMAC/s | fused |",
    "|---|---|---|---|---|---|",
  ];
  for (const r of p.rows) {
    const fused = Object.entries(r.fused)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ");
    lines.push(
      `| ${r.kind} | ${r.calls} | ${r.ms.toFixed(1)} | ${(r.share * 100).toFixed(1)}% | ${r.gmacPerSecond === null ? "—" : r.gmacPerSecond.toFixed(1)} | ${fused || "—"} |`,
    );
  }
  return lines.join("\n");
}

/** Per-round time of a / time of b in the same round (median, min, max), or undefined if either is missing. */
function paired(c: CaseResult, a: string, b: string): Spread | undefined {
  const x = c.engines.find((e) => e.engine === a)?.timesMs ?? [];
  const y = c.engines.find((e) => e.engine === b)?.timesMs ?? [];
  return x.length > 0 && y.length > 0 ? spread(roundRatios(x, y)) : undefined;
}

const fmt = (s: Spread) => `${s.median.toFixed(3)}x [${s.min.toFixed(3)}–${s.max.toFixed(3)}]`;

/** The targets, each with the measured per-round time ratio (below 1: the first is faster). */
export function targets(b: BenchResult): string {
  const lines = ["## Targets (issue 17): per-round time ratios, median [min–max]", ""];
  for (const c of b.cases) {
    const headline = c.network === "resnet50" && c.batch === 1;
    const vsWasm = paired(c, "fg-cpu-all", "tfjs-wasm-hand");
    const vsOrtWeb = paired(c, "ort-web", "fg-cpu-all");
    const vsOrtNode = paired(c, "fg-cpu-all", "ort-node");
    const opt = paired(c, "fg-tfjs-wasm-opt", "tfjs-wasm-hand");
    const optErr = c.engines.find((e) => e.engine === "fg-tfjs-wasm-opt")?.maxRelError;
    const parts = [
      vsWasm &&
        `backend-cpu all threads / tfjs-wasm hand-built ${fmt(vsWasm)}${headline ? " (target ≤ 0.33)" : ""}`,
      vsOrtWeb && `onnxruntime-web / backend-cpu ${fmt(vsOrtWeb)} (target ≥ 1.5)`,
      vsOrtNode && `backend-cpu / onnxruntime-node ${fmt(vsOrtNode)}`,
      opt &&
        `optimised fusegraph→tfjs-wasm / hand-built ${fmt(opt)} (target ≤ 0.85; max rel err ${optErr?.toExponential(1) ?? "—"})`,
    ].filter((p): p is string => typeof p === "string");
    lines.push(`- ${c.network} b${c.batch}: ${parts.join("; ")}`);
  }
  const rn = b.cases.find((c) => c.network === "resnet50" && c.batch === 1);
  const rss = rn?.engines.find((e) => e.engine === "fg-cpu-all")?.peakRssMb;
  if (rss !== undefined) {
    lines.push(`- backend-cpu peak RSS on ResNet-50 b1 (all threads): ${rss.toFixed(0)} MB (target ≤ 400)`);
  }
  return lines.join("\n");
}

export function markdown(b: BenchResult): string {
  const parts = [machineHeader(b)];
  for (const c of b.cases) {
    parts.push(caseTable(c, b.baseline));
    const p = profileTable(c);
    if (p) parts.push(p);
  }
  parts.push(targets(b));
  return `${parts.join("\n\n")}\n`;
}
