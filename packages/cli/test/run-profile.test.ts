import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunProfile } from "@fusegraph/backend-cpu";
import { graphCost, validateSpec } from "@fusegraph/dsl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROFILE_TOP_NODES, type ProfileReport, renderProfile } from "../src/commands/run.js";
import { run } from "./helpers.js";

/** conv-bn-relu, a max pool, conv-bn plus the pooled shortcut, relu, global pool, dense. */
const NET = `
fusegraph: 1
name: profiled
inputs:
  x: [10, 10, 3]
nodes:
  c1: { op: conv2d, input: x, filters: 6, kernelSize: 3, padding: same }
  bn1: { op: batchNorm, input: c1 }
  r1: { op: activation, input: bn1, fn: relu }
  p: { op: maxPool, input: r1, poolSize: 2 }
  c2: { op: conv2d, input: p, filters: 6, kernelSize: 3, padding: same }
  bn2: { op: batchNorm, input: c2 }
  s: { merge: add, inputs: [bn2, p] }
  a: { op: activation, input: s, fn: relu }
  g: { op: globalAvgPool, input: a }
  d: { op: dense, input: g, units: 4 }
outputs: [d]
`;

let dir = "";
const inDir = (argv: string[]) => run(argv, { cwd: dir });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fusegraph-run-profile-"));
  writeFileSync(join(dir, "net.yaml"), NET);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface RunJson {
  ok: boolean;
  outputs: { id: string; min: number; max: number; mean: number }[];
  profile?: ProfileReport;
}

describe("fusegraph run --profile", () => {
  it("--json adds a profile field: kinds that ran, their MACs from the cost model, every node", async () => {
    const r = await inDir(["run", "net.yaml", "--random", "--batch", "2", "--profile", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const { profile, outputs } = JSON.parse(r.stdout) as RunJson;
    expect(Object.keys(profile!).sort()).toEqual(["kinds", "nodes", "totalMs"]);
    const p = profile!;
    expect(p.kinds.map((k) => k.kind).sort()).toEqual(["conv2d", "dense", "globalAvgPool", "maxPool"]);
    for (const k of p.kinds) {
      expect(Object.keys(k).sort()).toEqual(["calls", "gmacPerSecond", "kind", "macs", "ms", "share"]);
    }
    const conv = p.kinds.find((k) => k.kind === "conv2d")!;
    expect(conv.calls).toBe(2);
    const spec = validateSpec(NET);
    if (!spec.ok) throw new Error("invalid test spec");
    const cost = graphCost(spec.graph);
    const convMacs = cost.nodes.filter((n) => n.kind === "conv2d").reduce((a, n) => a + n.macs, 0);
    expect(conv.macs).toBe(convMacs * 2);
    expect(p.kinds.reduce((a, k) => a + k.macs, 0)).toBe(cost.total.macs * 2);
    expect(p.kinds.find((k) => k.kind === "maxPool")!.gmacPerSecond).toBeNull();
    // Every step, slowest first; the fused nodes (bn, add, relu) are not steps of their own.
    expect(p.nodes.map((n) => n.id).sort()).toEqual(["c1", "c2", "d", "g", "p"]);
    for (let i = 1; i < p.nodes.length; i++)
      expect(p.nodes[i - 1]!.ms).toBeGreaterThanOrEqual(p.nodes[i]!.ms);
    const kindMs = p.kinds.reduce((a, k) => a + k.ms, 0);
    expect(kindMs).toBeCloseTo(
      p.nodes.reduce((a, n) => a + n.ms, 0),
      9,
    );
    expect(kindMs).toBeLessThanOrEqual(p.totalMs);
    // The outputs are those of a run without --profile.
    const plain = JSON.parse((await inDir(["run", "net.yaml", "--random", "--batch", "2", "--json"])).stdout);
    expect(plain.profile).toBeUndefined();
    expect(outputs).toEqual(plain.outputs);
  });

  it("prints the kind table, the time outside kernels, a total line and the slowest nodes after the outputs", async () => {
    const r = await inDir(["run", "net.yaml", "--random", "--profile"]);
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out.indexOf("Output")).toBe(0);
    expect(out).toMatch(/^Kind\s+Calls\s+ms\s+%\s+GMAC\/s\s+Fused into it$/m);
    expect(out).toMatch(
      /^conv2d\s+2\s+\d+\.\d\d\s+\d+\.\d%\s+\d+\.\d\s+batchNorm x2, activation x2, add x1$/m,
    );
    expect(out).toMatch(/^maxPool\s+1\s+\d+\.\d\d\s+\d+\.\d%\s+-$/m);
    expect(out).toMatch(/^\(outside kernels\)\s+\d+\.\d\d\s+\d+\.\d%$/m);
    expect(out).toMatch(/^total\s+5\s+\d+\.\d\d\s+100\.0%\s+\d+\.\d$/m);
    expect(out).toMatch(/^Top 5 nodes\s+Kind\s+ms\s+%\s+Fused into it$/m);
    expect(out).toMatch(/^c2\s+conv2d\s+\d+\.\d\d\s+\d+\.\d%\s+bn2, s, a$/m);
    // Negative control: a graph without a kind has no row for it, and no run without --profile has a table.
    expect(out).not.toMatch(/^avgPool\s/m);
    expect((await inDir(["run", "net.yaml", "--random"])).stdout).not.toMatch(/^Kind\s/m);
  });

  it("is a usage error with --backend tfjs", async () => {
    const r = await inDir(["run", "net.yaml", "--random", "--profile", "--backend", "tfjs"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--profile is for the cpu backend/);
    expect(r.stdout).toBe("");
  });
});

describe("renderProfile", () => {
  const profile: RunProfile = {
    totalMs: 10,
    kernelMs: 9,
    kinds: [
      {
        kind: "conv2d",
        calls: 7,
        ms: 8,
        share: 0.8,
        macs: 4e8,
        gmacPerSecond: 50,
        fused: { batchNorm: 7, activation: 6 },
      },
      { kind: "maxPool", calls: 1, ms: 1, share: 0.1, macs: 0, gmacPerSecond: null, fused: {} },
    ],
    nodes: Array.from({ length: 8 }, (_, i) => ({
      id: `n${i}`,
      kind: i === 7 ? ("maxPool" as const) : ("conv2d" as const),
      ms: i === 7 ? 1 : 8 / 7,
      macs: 0,
      fused: i === 0 ? ["bn0", "relu0"] : [],
    })),
  };

  it("lays out the rows, the total's overall GMAC/s and the top nodes", () => {
    const text = renderProfile(profile);
    expect(text).toMatch(/^conv2d\s+7\s+8\.00\s+80\.0%\s+50\.0\s+batchNorm x7, activation x6$/m);
    expect(text).toMatch(/^\(outside kernels\)\s+1\.00\s+10\.0%$/m);
    expect(text).toMatch(/^total\s+8\s+10\.00\s+100\.0%\s+40\.0$/m);
    const top = text.slice(text.indexOf("Top"));
    expect(top.trim().split("\n")).toHaveLength(2 + PROFILE_TOP_NODES);
    expect(top).toMatch(/^n0\s+conv2d\s+1\.14\s+11\.4%\s+bn0, relu0$/m);
    expect(top).not.toMatch(/^n7\s/m);
  });
});
