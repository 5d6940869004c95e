import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Graph, TensorData } from "@fusegraph/dsl";
import { numel } from "@fusegraph/dsl";

/** Debian's interpreter, which sees python3-torch (a python3 earlier on PATH may not). */
export const PYTHON = process.env.FUSEGRAPH_PYTHON ?? "/usr/bin/python3";

/**
 * Whether PyTorch (and torchvision, when asked) imports. In CI a missing module fails the suite (the
 * caller throws); locally the suite is skipped with this reason printed.
 */
export function torchMissing(modules: readonly string[] = ["torch", "numpy"]): string | undefined {
  const r = spawnSync(PYTHON, ["-c", `import ${modules.join(", ")}`], { encoding: "utf8" });
  if (r.status === 0) return undefined;
  return `${PYTHON} cannot import ${modules.join(", ")}: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`;
}

/** Skips locally with a visible reason, fails in CI: python-backed suites never pass silently there. */
export function requireTorch(modules?: readonly string[]): boolean {
  const missing = torchMissing(modules);
  if (missing === undefined) return true;
  if (process.env.CI) throw new Error(`CI needs PyTorch for backend-pytorch's tests: ${missing}`);
  console.warn(`skipping backend-pytorch python tests: ${missing}`);
  return false;
}

const created: string[] = [];

/** A fresh temporary directory, removed by {@link removeTempDirs} (weights of the examples take GBs). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `fusegraph-pytorch-${prefix}-`));
  created.push(dir);
  return dir;
}

/** Removes every directory {@link tempDir} made in this test file; call it from afterAll. */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Deterministic values in [-1, 1) (mulberry32), the same generator backend-tfjs's tests use. */
export function randomData(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export function randomInputs(graph: Graph, seed: number, batch = 2): Record<string, TensorData> {
  return Object.fromEntries(
    graph.inputs.map((i, k) => {
      const shape = [batch, ...i.shape];
      return [i.id, { shape, data: randomData(numel(shape), seed + k) }];
    }),
  );
}

/** Largest absolute difference over the reference's scale (at least 1). */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let scale = 1;
  let err = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i] ?? 0));
    err = Math.max(err, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  }
  return Number.isNaN(err) ? Number.POSITIVE_INFINITY : err / scale;
}

/** A tensor as a raw float32 file plus its shape, which the python driver reads with numpy. */
export function writeRaw(path: string, t: TensorData): { file: string; shape: number[] } {
  writeFileSync(path, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return { file: path, shape: t.shape };
}

export function readRaw(file: string, shape: number[]): TensorData {
  const bytes = readFileSync(file);
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { shape, data };
}

/** Runs the job driver once over a job list (one python process per test file); returns its report. */
export function runDriver<R>(jobs: unknown, dir: string, timeoutMs = 100_000): R {
  const jobsFile = join(dir, "jobs.json");
  const reportFile = join(dir, "report.json");
  writeFileSync(jobsFile, JSON.stringify(jobs));
  execFileSync(PYTHON, [join(import.meta.dirname, "run_jobs.py"), jobsFile, reportFile], {
    stdio: ["ignore", "ignore", "pipe"],
    timeout: timeoutMs,
    env: { ...process.env, OMP_NUM_THREADS: "1" },
  });
  return JSON.parse(readFileSync(reportFile, "utf8")) as R;
}
