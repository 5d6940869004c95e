import { copyFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markdown } from "./report.js";
import { runBench } from "./run.js";
import { renderChart } from "./svg.js";

const here = fileURLToPath(new URL(".", import.meta.url));
let dir = "";
let childScript = "";

// NOTE: Node 20 cannot run the TypeScript child, and tests run against sources, not dist: bundle the
// child with the packages' source condition into a folder inside tools/bench (so tfjs and onnxruntime,
// left external, resolve from the repo's node_modules), with backend-cpu's .wasm kernels beside it.
beforeAll(async () => {
  dir = mkdtempSync(join(here, "..", ".tmp-"));
  childScript = join(dir, "child.mjs");
  await build({
    entryPoints: [join(here, "child.ts")],
    outfile: childScript,
    bundle: true,
    platform: "node",
    format: "esm",
    conditions: ["@fusegraph/source"],
    external: ["@tensorflow/*", "onnxruntime-*"],
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: "silent",
  });
  const wasm = join(here, "../../../packages/backend-cpu/src/wasm");
  for (const f of readdirSync(wasm).filter((n) => n.endsWith(".wasm")))
    copyFileSync(join(wasm, f), join(dir, f));
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a tiny end-to-end run", () => {
  it("times every engine in interleaved rounds and writes a bench.json of the documented shape", async () => {
    const r = await runBench({
      networks: ["tiny"],
      batches: [2],
      engines: ["fg-cpu-1t", "fg-cpu-all", "tfjs-wasm-hand", "fg-tfjs-wasm-opt", "ort-node"],
      warmup: 1,
      rounds: 2,
      busy: false,
      profile: true,
      childScript,
      threads: 2,
    });
    const json = JSON.parse(JSON.stringify(r)) as typeof r;
    expect(json).toMatchObject({ schema: 1, mode: "quiet", baseline: "tfjs-wasm-hand", tolerance: 1e-4 });
    expect(json.machine.loadBefore).toHaveLength(3);
    expect(json.machine.loadAfter).toHaveLength(3);
    expect(json.cases).toHaveLength(1);
    const c = json.cases[0] as (typeof json.cases)[number];
    expect(c).toMatchObject({ network: "tiny", batch: 2, rounds: 2 });
    expect(c.engines.map((e) => e.engine)).toEqual([
      "fg-cpu-1t",
      "fg-cpu-all",
      "tfjs-wasm-hand",
      "fg-tfjs-wasm-opt",
      "ort-node",
    ]);
    for (const e of c.engines) {
      expect(e.error, e.engine).toBeUndefined();
      expect(e.timesMs).toHaveLength(2);
      expect(e.time?.min).toBeGreaterThan(0);
      expect(e.peakRssMb).toBeGreaterThan(10);
      expect(e.cpuPerWall).toBeGreaterThan(0);
      // Every engine computes the same network with the same weights.
      expect(e.agrees, e.engine).toBe(true);
      expect(e.maxRelError).toBeLessThan(1e-4);
      if (e.engine === "tfjs-wasm-hand") expect(e.ratio).toBeUndefined();
      else expect(e.ratio?.median).toBeCloseTo(median2(e.timesMs, c), 10);
    }
    expect(c.engines.find((e) => e.engine === "fg-cpu-all")?.threads).toBe(2);
    expect(c.profile?.rows.map((row) => row.kind)).toContain("conv2d");
    const md = markdown(json);
    expect(md).toContain("| fg-cpu-all | tiny | 2 |");
    expect(md).toContain("load average");
    expect(renderChart(json)).toContain("</svg>");
  }, 120_000);

  it("flags an engine whose output disagrees (negative control: a tolerance of 0)", async () => {
    const r = await runBench({
      networks: ["tiny"],
      batches: [1],
      engines: ["fg-cpu-1t", "tfjs-wasm-hand"],
      warmup: 1,
      rounds: 1,
      busy: false,
      profile: false,
      childScript,
      tolerance: 0,
    });
    const [ref, hand] = r.cases[0]?.engines ?? [];
    expect(ref?.agrees).toBe(true);
    // float32 in another summation order is never bit-identical: above a zero tolerance.
    expect(hand?.maxRelError).toBeGreaterThan(0);
    expect(hand?.agrees).toBe(false);
    expect(markdown(r)).toContain("DISAGREES");
  }, 120_000);

  it("reports an engine that cannot start as failed, without stopping the others", async () => {
    const r = await runBench({
      networks: ["tiny"],
      batches: [1],
      engines: ["fg-cpu-1t", "tfjs-wasm-hand"],
      warmup: 1,
      rounds: 1,
      busy: false,
      profile: false,
      childScript: join(dir, "missing.mjs"),
    });
    for (const e of r.cases[0]?.engines ?? []) {
      expect(e.error).toMatch(/exited/);
      expect(e.timesMs).toEqual([]);
    }
  }, 60_000);
});

/** The median of the engine's per-round ratios to the baseline, recomputed from the raw times. */
function median2(times: number[], c: { engines: { engine: string; timesMs: number[] }[] }): number {
  const base = c.engines.find((e) => e.engine === "tfjs-wasm-hand")?.timesMs ?? [];
  const r = times.map((t, i) => t / (base[i] as number)).sort((a, b) => a - b);
  return r.length % 2
    ? (r[r.length >> 1] as number)
    : ((r[r.length / 2 - 1] as number) + (r[r.length / 2] as number)) / 2;
}
