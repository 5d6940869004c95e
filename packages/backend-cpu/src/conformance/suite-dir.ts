import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the ONNX node cases live relative to the repository root. */
export const SUITE_FROM_ROOT = "../shared/conformance/onnx-node";

/** The monorepo root: the nearest ancestor of `from` whose package.json declares workspaces. */
export function findRepoRoot(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { workspaces?: unknown }).workspaces) return dir;
      } catch {
        // An unreadable package.json is not the root; keep walking up.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The suite directory: `arg` (relative to the working directory) if given, else
 * `../shared/conformance/onnx-node` from the repo root found above this module, so it works from
 * src (vitest) and dist (node) alike, whatever the working directory.
 */
export function resolveSuiteDir(arg?: string, moduleUrl: string = import.meta.url): string | undefined {
  if (arg !== undefined) return resolve(arg);
  const root = findRepoRoot(dirname(fileURLToPath(moduleUrl)));
  return root === undefined ? undefined : resolve(root, SUITE_FROM_ROOT);
}
