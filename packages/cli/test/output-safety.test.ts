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
  watch,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { OUTPUT_STEPS } from "@fusegraph/dsl/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, ensureBuilt, REPO_ROOT, type Spawned, STACK_FRAME, spawnCollected } from "./helpers.js";

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

/** `fusegraph` without blocking the event loop, so two independent runs can share the 2 cores. */
function fusegraphAsync(
  args: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<Spawned> {
  return spawnCollected(process.execPath, [CLI_BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", FUSEGRAPH_DEBUG: "", ...env },
    timeout: 120_000,
  });
}

describe("--out never replaces what fusegraph did not write", () => {
  for (const backend of ["cpu", "tfjs"] as const) {
    // The two backends' refusals are independent (separate projects), so they run side by side.
    it.concurrent(`${backend}: ., .., $HOME, a file and a user's directory are refused with exit 2, even with --force`, async () => {
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
        const r = await fusegraphAsync(
          ["compile", "tiny-fpn", "--backend", backend, "--out", out, "--force"],
          work,
          {
            HOME: home,
          },
        );
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

/**
 * When to SIGKILL a compile: `ms` after it starts, or `ms` after the `nth` change inside the output whose
 * file name `on` matches (given the writer's pid: its transitional files carry it, a killed run's leftovers
 * carry another).
 */
type KillAt =
  | { from: "start"; ms: number }
  | {
      on: (name: string, pid: number) => boolean;
      nth: number;
      ms: number;
      step: string;
      /** Seen only once the new manifest has been renamed into place: the new output must remain. */
      committed: boolean;
    };

interface Ended {
  signal: NodeJS.Signals | null;
  code: number | null;
  /** ms from the start to the first change inside `dir`, if there was one. */
  wroteAt?: number;
  /** ms from the start to the first change of the transitional manifest (the data is written by then). */
  manifestAt?: number;
  /** ms from the start to the end. */
  endedAt: number;
}

const transitionalData = (name: string, pid: number) => name.startsWith(`weights.fusegraph-${pid}-`);
const transitionalManifest = (name: string, pid: number) =>
  new RegExp(`^\\.fusegraph-tmp-${pid}-[0-9a-f]+-1-(model|weights)\\.json$`).test(name);

const linkFile = (name: string, pid: number) =>
  name.startsWith(`.fusegraph-tmp-${pid}-`) && name.includes("-link-");

/**
 * Runs `compile` while watching `dir` (the existing output it replaces in place), SIGKILLing it as `kill`
 * says; resolves when it has ended.
 */
function compileWatched(args: readonly string[], cwd: string, dir: string, kill?: KillAt): Promise<Ended> {
  return new Promise((done) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd, stdio: "ignore" });
    const pid = child.pid ?? -1;
    let wroteAt: number | undefined;
    let manifestAt: number | undefined;
    let matched = 0;
    let timer: NodeJS.Timeout | undefined;
    const killIn = (ms: number) => {
      timer = setTimeout(() => child.kill("SIGKILL"), ms);
    };
    const watcher = watch(dir, (_event, file) => {
      const name = file ?? "";
      if (transitionalData(name, pid)) wroteAt ??= Date.now() - t0;
      if (transitionalManifest(name, pid)) manifestAt ??= Date.now() - t0;
      if (kill && "on" in kill && kill.on(name, pid) && ++matched === kill.nth) killIn(kill.ms);
    });
    if (kill && "from" in kill) killIn(kill.ms);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      watcher.close();
      done({ signal, code, wroteAt, manifestAt, endedAt: Date.now() - t0 });
    });
  });
}

describe("compile killed with SIGKILL leaves the old or the new complete output", () => {
  for (const backend of ["tfjs", "cpu"] as const) {
    // Not concurrent: the other backend's digests (100 MB read and hashed synchronously) would hold up this
    // test's watcher, and its kills would land late.
    it(`${backend}: compile killed before its write and at each stretch of it, then one more run leaves nothing behind`, async () => {
      const work = join(root, `kill-${backend}`);
      mkdirSync(work, { recursive: true });
      const out = join(work, "m");
      // ResNet-50's 100 MB tfjs model makes the write itself a wide target; resnet18 keeps the cpu runs short.
      const net = backend === "tfjs" ? "resnet50" : "resnet18";
      const manifest = backend === "tfjs" ? "model.json" : "weights.json";
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
      rmSync(out, { recursive: true, force: true });
      expect((await fusegraphAsync(args(1), work)).code).toBe(0);
      digests.set(outputDigest(out), 1);
      // The seed 2 run replaces seed 1 in place, as every trial does: it times the run and its data write.
      const ref = await compileWatched([...args(2), "--force"], work, out);
      expect(ref.code).toBe(0);
      digests.set(outputDigest(out), 2);
      expect(digests.size).toBe(2);
      expect(ref.wroteAt, "the watcher saw the reference run's transitional data").toBeDefined();
      expect(ref.manifestAt, "the watcher saw the reference run's transitional manifest").toBeDefined();
      const dataWrite = Math.max((ref.manifestAt ?? 0) - (ref.wroteAt ?? 0), 1);
      // Instead of 20 kills at random moments (most of them while the model was still being built), one kill
      // before the write and one as each file change of the in-place replace is seen: the kill lands in that
      // stretch of the write (the steps test below kills at every step exactly, inside the writer).
      const named = (file: string) => (name: string) => name === file;
      const moments: KillAt[] = [
        { from: "start", ms: Math.round(0.5 * ref.endedAt) },
        { step: "write-transitional (data begun)", on: transitionalData, nth: 1, ms: 0, committed: false },
        {
          step: "write-transitional (data half written)",
          on: transitionalData,
          nth: 1,
          ms: Math.round(dataWrite / 2),
          committed: false,
        },
        { step: "write-transitional (manifest)", on: transitionalManifest, nth: 1, ms: 0, committed: false },
        { step: "commit-transitional", on: named(manifest), nth: 1, ms: 0, committed: true },
        { step: "swap-data", on: linkFile, nth: 1, ms: 0, committed: true },
        { step: "commit-final (then cleanup)", on: named(manifest), nth: 2, ms: 0, committed: true },
      ];
      const seen = new Set<string>();
      for (const [trial, kill] of moments.entries()) {
        const old = digests.get(outputDigest(out)) ?? 1;
        const seed = 3 - old;
        const ended = await compileWatched([...args(seed), "--force"], work, out, kill);
        const digest = outputDigest(out);
        const state = digests.has(digest) ? `seed ${digests.get(digest)}` : digest;
        const at = "from" in kill ? `${kill.ms} ms after its start` : `${kill.ms} ms into ${kill.step}`;
        const detail = `trial ${trial}: killed ${at} (${ended.signal})`;
        expect(state, detail).toMatch(/^seed [12]$/);
        // Once the new manifest was seen renamed into place, the old output is gone for good.
        if ("on" in kill && kill.committed) expect(state, detail).toBe(`seed ${seed}`);
        seen.add(
          `${ended.signal === "SIGKILL" ? "killed" : "finished"} → ${state === `seed ${seed}` ? "new" : "old"}`,
        );
      }
      expect((await fusegraphAsync([...args(1), "--force"], work)).code).toBe(0);
      expect(leftovers(out)).toEqual([]);
      // Both sides of the commit point were reached by a kill: the check tells old from new.
      expect([...seen].sort(), [...seen].join(", ")).toEqual(
        expect.arrayContaining(["killed → new", "killed → old"]),
      );
    }, 600_000);
  }

  it("killed at each step of the swap, for each backend's writer", async () => {
    const cpuDist = join(REPO_ROOT, "packages/backend-cpu/dist/index.js");
    const tfjsDist = join(REPO_ROOT, "packages/backend-tfjs/dist/node.js");
    const dslDist = join(REPO_ROOT, "packages/dsl/dist/index.js");
    const results: string[] = [];
    // The two writers use separate directories: their sequences of spawns run side by side.
    const steps = async (backend: "tfjs" | "cpu") => {
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
        return new Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string }>(
          (done) => {
            const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
              stdio: ["ignore", "ignore", "pipe"],
            });
            let stderr = "";
            child.stderr.on("data", (d: Buffer) => {
              stderr += d.toString("utf8");
            });
            child.on("close", (status, signal) => done({ status, signal, stderr }));
          },
        );
      };
      const digest: Record<number, string> = {};
      for (const seed of [1, 2]) {
        const w = await write(seed, "");
        expect(w.status, w.stderr).toBe(0);
        digest[seed] = outputDigest(dir);
      }
      expect(digest[1]).not.toBe(digest[2]);
      // The output holds seed 2 now; each step's killed write alternates the seed, so old and new differ.
      let current = 2;
      for (const step of OUTPUT_STEPS) {
        const seed = 3 - current;
        const killed = await write(seed, step);
        const after = outputDigest(dir);
        const what = after === digest[current] ? "old" : after === digest[seed] ? "new" : after;
        results.push(`${backend} ${step}: ${killed.signal ?? "finished"} → ${what}`);
        expect(["old", "new"], `${backend} killed before ${step}`).toContain(what);
        // A killed write is followed by one more, which must complete and clear the leftovers. A write that
        // was not killed (the staged steps: an in-place replace never reaches them) already was that write.
        if (killed.signal !== null) expect((await write(seed, "")).status).toBe(0);
        else expect(killed.status, killed.stderr).toBe(0);
        expect(outputDigest(dir)).toBe(digest[seed]);
        expect(leftovers(dir)).toEqual([]);
        current = seed;
      }
    };
    await Promise.all([steps("tfjs"), steps("cpu")]);
    // Each in-place step really was reached and killed there (the hook is not a no-op).
    expect(results.filter((r) => r.includes("SIGKILL")).length).toBe(2 * 6);
  }, 300_000);
});
