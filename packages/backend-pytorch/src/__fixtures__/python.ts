import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TensorData } from "@fusegraph/dsl";

// The shared seeded tensors and agreement measure of every backend's tests.
import { randomData, randomInputs, relError } from "@fusegraph/dsl/testing";

export { randomData, randomInputs, relError };

/** Debian's interpreter, which sees python3-torch (a python3 earlier on PATH may not). */
export const PYTHON = process.env.FUSEGRAPH_PYTHON ?? "/usr/bin/python3";

/**
 * Whether PyTorch (and torchvision, when asked) imports. In CI a missing module fails the suite (the
 * caller throws); locally the suite is skipped with this reason in its title.
 */
export function torchMissing(modules: readonly string[] = ["torch", "numpy"]): string | undefined {
  const r = spawnSync(PYTHON, ["-c", `import ${modules.join(", ")}`], { encoding: "utf8" });
  if (r.status === 0) return undefined;
  return `${PYTHON} cannot import ${modules.join(", ")}: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`;
}

/**
 * Why the python-backed suites cannot run here (undefined when they can): they fail in CI, so they never
 * pass silently there; locally they are skipped, with this reason in their title (see {@link titled}).
 */
export function torchSkipReason(modules?: readonly string[]): string | undefined {
  const missing = torchMissing(modules);
  if (missing !== undefined && process.env.CI) {
    throw new Error(`CI needs PyTorch for backend-pytorch's tests: ${missing}`);
  }
  return missing;
}

/** A suite's title, saying why it was skipped when it was, so the reporter shows the reason. */
export function titled(title: string, skipReason: string | undefined): string {
  return skipReason === undefined ? title : `${title} (skipped: ${skipReason})`;
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
