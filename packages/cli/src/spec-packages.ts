import { extname } from "node:path";
import { resolvePackageSpec } from "@fusegraph/dsl/node";
import { UsageError } from "./errors.js";
import type { SpecSource } from "./spec-input.js";

/** Extensions that make an argument a file path, never a package specifier. */
const FILE_EXTENSIONS: readonly string[] = [
  ".yaml",
  ".yml",
  ".json",
  ".js",
  ".mjs",
  ".cjs",
  ".ts",
  ".mts",
  ".cts",
];

/**
 * `@scope/pkg/name` or `pkg/name` naming a spec a spec package declares (`fusegraph.specs`), found with
 * Node's resolution from `cwd`; its own imports then resolve from its file, inside its package.
 * Undefined when `arg` does not look like one (a path, a bare name). A package or spec that cannot be
 * found is a {@link UsageError} (exit 2), like a missing file.
 */
export function packageSpecSource(arg: string, cwd: string): SpecSource | undefined {
  if (arg.startsWith(".") || arg.startsWith("/") || FILE_EXTENSIONS.includes(extname(arg).toLowerCase())) {
    return undefined;
  }
  const found = resolvePackageSpec(arg, cwd);
  if (found === undefined) return undefined;
  if (!found.ok) {
    // An unscoped `dir/name` may have been meant as a file path: say that no such file exists either.
    const alsoFile = arg.startsWith("@") ? "" : "no such file, and ";
    throw new UsageError(
      `cannot load spec "${arg}": ${alsoFile}${found.message}${found.hint ? ` (${found.hint})` : ""}`,
    );
  }
  return {
    kind: "text",
    label: found.label,
    origin: "package",
    text: found.text,
    importOrigin: { filename: found.filename, package: found.package },
  };
}
