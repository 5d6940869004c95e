import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { buildFreshness, CLI_BUILD_PACKAGES } from "./build-freshness.js";

// NOTE: helpers.ts imports the CLI's source; this file must not (vitest loads it before any test).
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** Touched when a build starts, so an edit made during the build still counts as newer. */
export const BUILD_STAMP = resolve(REPO_ROOT, "node_modules/.cache/fusegraph/cli-build-stamp");
const LOCK = `${BUILD_STAMP}.lock`;
const PACKAGE_DIRS = CLI_BUILD_PACKAGES.map((p) => resolve(REPO_ROOT, "packages", p));

const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/** Whether the process that wrote the lock is gone (killed mid-build), so its lock can be taken over. */
function lockIsStale(): boolean {
  try {
    const pid = Number(readFileSync(LOCK, "utf8"));
    if (!Number.isInteger(pid) || pid <= 0) return Date.now() - statSync(LOCK).mtimeMs > 5_000;
    process.kill(pid, 0);
    return false;
  } catch (e) {
    // ESRCH: no such process. ENOENT: the holder just released it.
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Holds a lock file while `f` runs, so two test runs at once never build into the same dist together. */
function withLock<T>(f: () => T): T {
  mkdirSync(dirname(LOCK), { recursive: true });
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      writeFileSync(LOCK, String(process.pid), { flag: "wx" });
      break;
    } catch {
      if (lockIsStale()) rmSync(LOCK, { force: true });
      else if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${LOCK}`);
      else sleep(500);
    }
  }
  try {
    return f();
  } finally {
    rmSync(LOCK, { force: true });
  }
}

/**
 * Builds the CLI and its workspace dependencies (turbo) when any of their inputs is newer than the
 * stamp; returns the build's output when it failed.
 */
export function buildIfStale(): string | undefined {
  if (buildFreshness(PACKAGE_DIRS, BUILD_STAMP).fresh) return undefined;
  return withLock(() => {
    // Another run may have built while this one waited for the lock.
    if (buildFreshness(PACKAGE_DIRS, BUILD_STAMP).fresh) return undefined;
    const started = new Date();
    const b = spawnSync("npx", ["turbo", "run", "build", "--filter=@fusegraph/cli"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
      timeout: 300_000,
    });
    if (b.status !== 0) return `building @fusegraph/cli failed:\n${b.stdout}\n${b.stderr}`;
    writeFileSync(BUILD_STAMP, `${started.toISOString()}\n`);
    utimesSync(BUILD_STAMP, started, started);
    return undefined;
  });
}

declare module "vitest" {
  interface ProvidedContext {
    /** Why the CLI could not be built for this run ("" when it is built and fresh). */
    cliBuildError: string;
  }
}

/**
 * vitest globalSetup: runs once per test run, before any worker starts. A failed build fails only the
 * tests that spawn the CLI (ensureBuilt), with the build's output; in-process tests still run.
 */
export default function setup(project: TestProject): void {
  project.provide("cliBuildError", buildIfStale() ?? "");
}
