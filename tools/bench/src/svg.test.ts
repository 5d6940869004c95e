import { describe, expect, it } from "vitest";
import type { EngineId } from "./engines.js";
import type { BenchResult, EngineResult } from "./result.js";
import { RATIO_CAP, renderChart } from "./svg.js";

function engine(id: EngineId, median: number, ratio?: [number, number, number]): EngineResult {
  return {
    engine: id,
    label: id,
    timesMs: [median],
    time: { median, min: median, max: median },
    ...(ratio ? { ratio: { median: ratio[0], min: ratio[1], max: ratio[2] } } : {}),
    agrees: true,
    maxRelError: 0,
  };
}

function result(ortRatio: number): BenchResult {
  const caseOf = (network: "resnet50" | "unet", batch: number) => ({
    network,
    title: network,
    batch,
    gmacs: 1,
    warmup: 1,
    rounds: 3,
    engines: [
      engine("fg-cpu-all", 50, [0.5, 0.4, 0.6]),
      engine("tfjs-wasm-hand", 100),
      engine("ort-web", 100 * ortRatio, [ortRatio, ortRatio * 0.9, ortRatio * 1.1]),
      engine("tfjs-cpu", 2000, [20, 19, 21]),
    ],
  });
  return {
    schema: 1,
    date: "2026-01-01T00:00:00.000Z",
    mode: "quiet",
    machine: {
      cpuModel: "x",
      cores: 2,
      memoryGb: 1,
      node: "v20",
      platform: "linux-x64",
      loadBefore: [0.5, 0, 0],
    },
    baseline: "tfjs-wasm-hand",
    reference: "fg-cpu-1t",
    tolerance: 1e-4,
    notes: [],
    cases: [caseOf("resnet50", 1), caseOf("unet", 1), caseOf("resnet50", 8)],
    wallSeconds: 1,
  };
}

/** Bar rects (those with a tooltip, not the legend's swatches) in drawing order. */
const bars = (svg: string) =>
  [
    ...svg.matchAll(
      /<rect x="[\d.]+" y="([\d.]+)" width="12" height="([\d.]+)" fill="(#[0-9a-f]+)"[^>]*><title>/g,
    ),
  ].map((m) => ({
    y: Number(m[1]),
    h: Number(m[2]),
    fill: m[3],
  }));

describe("renderChart", () => {
  it("is deterministic and self-contained (no external fonts or links)", () => {
    const a = renderChart(result(1.5));
    expect(renderChart(result(1.5))).toBe(a);
    expect(a.startsWith("<svg ")).toBe(true);
    expect(a.trimEnd().endsWith("</svg>")).toBe(true);
    expect(a.replace('xmlns="http://www.w3.org/2000/svg"', "")).not.toMatch(/https?:|@import|url\(/);
  });

  it("draws one bar per engine per batch-1 network, heights proportional to the median ratios", () => {
    const svg = renderChart(result(1.5));
    const b = bars(svg);
    // 2 batch-1 networks x 4 engines (batch 8 is not drawn).
    expect(b).toHaveLength(8);
    const h = b.map((bar) => bar.h);
    const [cpu = 0, base = 1, ort = 0, capped = 0] = h;
    expect(cpu / base).toBeCloseTo(0.5, 2);
    expect(ort / base).toBeCloseTo(1.5, 2);
    // tfjs-cpu at 20x is clipped at the cap and its value written above the plot.
    expect(capped / base).toBeCloseTo(RATIO_CAP, 2);
    expect(svg).toContain(">20.0</text>");
  });

  it("draws a whisker from the smallest to the largest per-round ratio", () => {
    const svg = renderChart(result(1.5));
    const base = bars(svg)[1] as { y: number; h: number };
    const unit = base.h; // ratio 1 in px
    const whiskers = [...svg.matchAll(/<line x1="([\d.]+)" x2="\1" y1="([\d.]+)" y2="([\d.]+)"/g)];
    const ort = whiskers[2] as RegExpMatchArray;
    expect(Number(ort[2]) - Number(ort[3])).toBeCloseTo(unit * (1.65 - 1.35), 0);
  });

  it("changes when a ratio changes (negative control)", () => {
    const a = bars(renderChart(result(1.5)))[2] as { h: number };
    const b = bars(renderChart(result(1.2)))[2] as { h: number };
    expect(a.h).not.toBeCloseTo(b.h, 1);
  });
});
