import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { delimiter, join } from "node:path";
import { REPO_ROOT, type Spawned, spawnCollected } from "./helpers.js";

/**
 * Scratch directories for tests that run commands exactly as the docs write them (`npx fusegraph …`).
 * NOTE: they sit inside the repository (in the gitignored `.scratch/`), because npx finds the
 * workspace's `fusegraph` bin from the nearest project root above the working directory; from a
 * directory outside the repository the same command would look the name up in the registry.
 */
export const SCRATCH_ROOT = join(REPO_ROOT, ".scratch");

export function scratchDir(prefix: string): string {
  mkdirSync(SCRATCH_ROOT, { recursive: true });
  return mkdtempSync(join(SCRATCH_ROOT, `${prefix}-`));
}

export function removeScratch(dir: string): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/**
 * The test process's environment without npm's `npm_*` variables: under `npm test` they include
 * `npm_config_local_prefix`, which would make npx find the repository's bin from anywhere.
 */
export function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

export interface ShellOptions {
  /** Milliseconds before the command is killed (exit status null). */
  timeout?: number;
  /**
   * Put the workspace's `node_modules/.bin` first on PATH, as for a user who installed the CLI
   * (`npm i -g @fusegraph/cli`) or an npm script: a bare `fusegraph …` line then runs this CLI.
   */
  installed?: boolean;
}

/**
 * Runs one shell line as a user's shell would (colour and debug traces off), with npm offline: an
 * `npx fusegraph` that does not resolve to the local bin fails with ENOTCACHED instead of downloading.
 */
export function shellLine(line: string, cwd: string, options: ShellOptions = {}): Spawned {
  const r = spawnSync("sh", ["-c", line], {
    cwd,
    encoding: "utf8",
    env: shellEnv(options),
    timeout: options.timeout ?? 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `shellLine` without blocking the event loop, so independent lines can run side by side. */
export function shellLineAsync(line: string, cwd: string, options: ShellOptions = {}): Promise<Spawned> {
  return spawnCollected("sh", ["-c", line], {
    cwd,
    env: shellEnv(options),
    timeout: options.timeout ?? 120_000,
  });
}

/** The environment of a shell line: the user's, colour and debug traces off, npm offline. */
function shellEnv(options: ShellOptions): NodeJS.ProcessEnv {
  const env = userEnv();
  return {
    ...env,
    ...(options.installed
      ? { PATH: `${join(REPO_ROOT, "node_modules", ".bin")}${delimiter}${env.PATH ?? ""}` }
      : {}),
    NO_COLOR: "1",
    FUSEGRAPH_DEBUG: "",
    npm_config_offline: "true",
    npm_config_update_notifier: "false",
  };
}

/** What a failed assertion on a spawned command prints: the line, its exit code and its output. */
export function describeRun(line: string, r: Spawned): string {
  return `$ ${line}\nexit ${r.code}\nstdout:\n${r.stdout.slice(0, 4000)}\nstderr:\n${r.stderr.slice(0, 4000)}`;
}
