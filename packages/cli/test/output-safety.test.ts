import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { OUTPUT_STEPS } from "@fusegraph/dsl/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, ensureBuilt, REPO_ROOT, STACK_FRAME } from "./helpers.js";

// `compile --out … --force` in a working directory full of a user's files: nothing of theirs may go.
let root = "";

beforeAll(() => {
  ensureBuilt();
  root = mkdtempSync(join(tmpdir(), "fusegraph-out-safety-"));
}, 320_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Every file below `dir` with a hash of its bytes: what must be unchanged after a refused run. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash("sha1").update(readFileSync(p)).digest("hex");
    }
  };
  walk(dir);
  return out;
}

/** A user's project: source files, a model directory of their own, a file named like an output. */
function userProject(at: string): string {
  const work = join(at, "project", "work");
  for (const [p, text] of [
    ["project/README.md", "# mine\n"],
    ["project/work/package.json", "{}\n"],
    ["project/work/src/index.ts", "export {};\n"],
    ["project/work/their-model/model.json", '{"format":"layers-model"}\n'],
    ["project/work/their-model/weights.bin", "weights"],
    ["project/work/notes.txt", "notes\n"],
    ["home/.bashrc", "export X=1\n"],
  ] as const) {
    mkdirSync(dirname(join(at, p)), { recursive: true });
    writeFileSync(join(at, p), text);
  }
  return work;
}

function fusegraph(args: readonly string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI_BIN, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FUSEGRAPH_DEBUG: "", ...env },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("--out never replaces what fusegraph did not write", () => {
  for (const backend of ["cpu", "tfjs"] as const) {
    it(`${backend}: ., .., $HOME, a file and a user's directory are refused with exit 2, even with --force`, () => {
      const at = join(root, `refuse-${backend}`);
      const work = userProject(at);
      const home = join(at, "home");
      const before = snapshot(at);
      for (const out of [
        ".",
        "..",
        home,
        "notes.txt",
        "their-model",
        "src",
        "notes.txt/model",
        "m".repeat(300),
      ]) {
        const r = fusegraph(["compile", "tiny-fpn", "--backend", backend, "--out", out, "--force"], work, {
          HOME: home,
        });
        const detail = `--out ${out}\n${r.stderr}`;
        expect(r.code, detail).toBe(2);
        expect(r.stderr, detail).toMatch(/^fusegraph: error: --out /m);
        expect(r.stderr, detail).not.toMatch(STACK_FRAME);
        expect(r.stderr, detail).not.toContain("internal error");
      }
      expect(snapshot(at)).toEqual(before);
    });
  }

  it("negative control: a previous fusegraph output is replaced with --force, and the snapshot sees it", () => {
    const at = join(root, "replace");
    const work = userProject(at);
    expect(fusegraph(["compile", "tiny-fpn", "--out", "build/m", "--seed", "1"], work).code).toBe(0);
    const before = snapshot(at);
    const again = fusegraph(["compile", "tiny-fpn", "--out", "build/m", "--seed", "2"], work);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    expect(fusegraph(["compile", "tiny-fpn", "--out", "build/m", "--seed", "2", "--force"], work).code).toBe(
      0,
    );
    const after = snapshot(at);
    expect(after).not.toEqual(before);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    // The cpu format replaces the tfjs one in the same directory, leaving no tfjs file behind.
    expect(
      fusegraph(["compile", "tiny-fpn", "--backend", "cpu", "--out", "build/m", "--force"], work).code,
    ).toBe(0);
    expect(readdirSync(join(work, "build/m")).sort()).toEqual(["weights.bin", "weights.json"]);
  });
});

/** The weights an output holds, as a hash, or why it is not a complete output. */
function outputDigest(dir: string): string {
  if (!existsSync(dir)) return "absent";
  const read = (name: string) => {
    try {
      return JSON.parse(readFileSync(join(dir, name), "utf8"));
    } catch {
      return undefined;
    }
  };
  const model = read("model.json");
  const cpu = read("weights.json");
  if (model && cpu) return "broken: two manifests";
  let file: string;
  let bytes: number;
  if (model) {
    const group = model.weightsManifest?.[0];
    file = group?.paths?.[0] ?? "";
    const sizes = (group?.weights ?? []).map(
      (w: { shape: number[] }) => 4 * w.shape.reduce((a, b) => a * b, 1),
    );
    bytes = sizes.reduce((a: number, b: number) => a + b, 0);
  } else if (cpu) {
    file = cpu.binary ?? "weights.bin";
    bytes = cpu.weights.reduce((s: number, w: { byteLength: number }) => s + w.byteLength, 0);
  } else {
    return "broken: no manifest";
  }
  const path = join(dir, file);
  if (!existsSync(path)) return `broken: missing ${file}`;
  const data = readFileSync(path);
  if (data.length !== bytes) return `broken: ${file} has ${data.length} bytes, manifest says ${bytes}`;
  return createHash("sha1").update(data).digest("hex");
}

function leftovers(dir: string): string[] {
  const beside = readdirSync(dirname(dir)).filter((n) => n.startsWith(`.${basename(dir)}.`));
  const inside = existsSync(dir)
    ? readdirSync(dir).filter((n) => n.startsWith(".") || n.includes(".fusegraph-"))
    : [];
  return [...beside, ...inside];
}

/** Starts `compile` and SIGKILLs it after `ms`; resolves when it has ended. */
function compileKilledAfter(args: readonly string[], cwd: string, ms: number): Promise<string | null> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd, stdio: "ignore" });
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.on("exit", (_code, signal) => {
      clearTimeout(timer);
      done(signal);
    });
  });
}

const TRIALS = 20;

describe("compile killed with SIGKILL leaves the old or the new complete output", () => {
  for (const backend of ["tfjs", "cpu"] as const) {
    it(`${backend}: ${TRIALS} kills of compile at random moments, then one more run leaves nothing behind`, async () => {
      const work = join(root, `kill-${backend}`);
      mkdirSync(work, { recursive: true });
      // ResNet-50's 100 MB tfjs model makes the write itself a wide target; resnet18 keeps the cpu runs short.
      const net = backend === "tfjs" ? "resnet50" : "resnet18";
      const args = (seed: number) => [
        "compile",
        net,
        "--backend",
        backend,
        "--out",
        "m",
        "--seed",
        `${seed}`,
      ];
      const digests = new Map<string, number>();
      let t0 = Date.now();
      for (const seed of [1, 2]) {
        rmSync(join(work, "m"), { recursive: true, force: true });
        t0 = Date.now();
        expect(fusegraph(args(seed), work).code).toBe(0);
        digests.set(outputDigest(join(work, "m")), seed);
      }
      const duration = Date.now() - t0;
      expect(digests.size).toBe(2);
      let state = "seed 2";
      const seen = new Set<string>();
      // A deterministic sequence of moments, spread over the run and dense near its end, where the write is.
      let r = 12345;
      const rand = () => {
        r = (r * 1103515245 + 12345) % 2 ** 31;
        return r / 2 ** 31;
      };
      for (let trial = 0; trial < TRIALS; trial++) {
        const seed = 3 - (digests.get(outputDigest(join(work, "m"))) ?? 1);
        const at = trial % 3 === 0 ? rand() * duration : duration * (0.6 + 0.5 * rand());
        const signal = await compileKilledAfter([...args(seed), "--force"], work, Math.round(at));
        const digest = outputDigest(join(work, "m"));
        state = digests.has(digest) ? `seed ${digests.get(digest)}` : digest;
        expect(state, `trial ${trial}: killed after ${Math.round(at)} ms (${signal})`).toMatch(/^seed [12]$/);
        seen.add(`${signal === "SIGKILL" ? "killed" : "finished"} → ${state}`);
      }
      expect(fusegraph([...args(1), "--force"], work).code).toBe(0);
      expect(leftovers(join(work, "m"))).toEqual([]);
      expect([...seen].some((s) => s.startsWith("killed"))).toBe(true);
    }, 600_000);
  }

  it("killed at each step of the swap, for each backend's writer", () => {
    const cpuDist = join(REPO_ROOT, "packages/backend-cpu/dist/index.js");
    const tfjsDist = join(REPO_ROOT, "packages/backend-tfjs/dist/node.js");
    const dslDist = join(REPO_ROOT, "packages/dsl/dist/index.js");
    const results: string[] = [];
    for (const backend of ["tfjs", "cpu"] as const) {
      const dir = join(root, `steps-${backend}`, "m");
      mkdirSync(dirname(dir), { recursive: true });
      const write = (seed: number, killAt: string) => {
        const script = `
          import { loadGraph, initWeights } from ${JSON.stringify(dslDist)};
          const graph = loadGraph({ fusegraph: 1, name: "s", inputs: { x: [4, 4, 3] },
            nodes: { c: { op: "conv2d", input: "x", filters: 8, kernelSize: 3 } }, outputs: ["c"] });
          const weights = initWeights(graph, { seed: ${seed} });
          const onStep = (s) => { if (s === ${JSON.stringify(killAt)}) process.kill(process.pid, "SIGKILL"); };
          if (${JSON.stringify(backend)} === "tfjs") {
            const tfjs = await import(${JSON.stringify(tfjsDist)});
            const root = await import(${JSON.stringify(tfjsDist.replace("node.js", "index.js"))});
            await tfjs.saveModel(root.compile(graph, { weights }), ${JSON.stringify(dir)}, { overwrite: true, onStep });
          } else {
            const cpu = await import(${JSON.stringify(cpuDist)});
            await cpu.saveWeights(${JSON.stringify(dir)}, weights, { overwrite: true, onStep });
          }`;
        return spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
      };
      const digest: Record<number, string> = {};
      for (const seed of [1, 2]) {
        const w = write(seed, "");
        expect(w.status, w.stderr).toBe(0);
        digest[seed] = outputDigest(dir);
      }
      expect(digest[1]).not.toBe(digest[2]);
      // The output holds seed 2 now; each step's killed write alternates the seed, so old and new differ.
      let current = 2;
      for (const step of OUTPUT_STEPS) {
        const seed = 3 - current;
        const killed = write(seed, step);
        const after = outputDigest(dir);
        const what = after === digest[current] ? "old" : after === digest[seed] ? "new" : after;
        results.push(`${backend} ${step}: ${killed.signal ?? "finished"} → ${what}`);
        expect(["old", "new"], `${backend} killed before ${step}`).toContain(what);
        expect(write(seed, "").status).toBe(0);
        expect(outputDigest(dir)).toBe(digest[seed]);
        expect(leftovers(dir)).toEqual([]);
        current = seed;
      }
    }
    // Each in-place step really was reached and killed there (the hook is not a no-op).
    expect(results.filter((r) => r.includes("SIGKILL")).length).toBe(2 * 6);
  }, 300_000);
});
