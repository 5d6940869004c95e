import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * The packages whose compiled output the spawned CLI runs: the CLI and every workspace package it
 * imports at run time (blocks ships YAML only, read from its source tree, so it has no inputs here
 * unless it grows a src/).
 */
export const CLI_BUILD_PACKAGES = [
  "cli",
  "dsl",
  "blocks",
  "backend-cpu",
  "backend-tfjs",
  "examples",
] as const;

/** Per package, what turbo's build task hashes (turbo.json `inputs`), tests excepted: they never reach dist. */
const INPUT_DIRS = ["src", "scripts"];
const INPUT_FILES = ["package.json", "tsconfig.json"];
const NOT_BUILT = /\.test\.ts$|(^|\/)__fixtures__(\/|$)/;

export interface NewestInput {
  path: string;
  mtimeMs: number;
}

function walk(dir: string, visit: (path: string) => void): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (NOT_BUILT.test(p)) continue;
    if (e.isDirectory()) walk(p, visit);
    else if (e.isFile()) visit(p);
  }
}

/** The most recently modified build input under `packageDirs`, or undefined when there is none. */
export function newestInput(packageDirs: readonly string[]): NewestInput | undefined {
  let newest: NewestInput | undefined;
  const consider = (path: string): void => {
    const { mtimeMs } = statSync(path);
    if (!newest || mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  };
  for (const pkg of packageDirs) {
    for (const d of INPUT_DIRS) if (existsSync(join(pkg, d))) walk(join(pkg, d), consider);
    for (const f of INPUT_FILES) if (existsSync(join(pkg, f))) consider(join(pkg, f));
  }
  return newest;
}

export type Freshness = { fresh: true } | { fresh: false; reason: string };

/**
 * Whether the build recorded by `stampFile` (its mtime is the moment that build started) covers every
 * input under `packageDirs`. A missing stamp, or any input modified after it, means stale.
 */
export function buildFreshness(packageDirs: readonly string[], stampFile: string): Freshness {
  if (!existsSync(stampFile)) return { fresh: false, reason: `no build stamp at ${stampFile}` };
  const stamp = statSync(stampFile).mtimeMs;
  const newest = newestInput(packageDirs);
  if (newest && newest.mtimeMs > stamp)
    return { fresh: false, reason: `${newest.path} changed after the last build` };
  return { fresh: true };
}
