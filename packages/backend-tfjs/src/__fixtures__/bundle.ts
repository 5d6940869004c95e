import { builtinModules } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";

export const pkgDir = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
export const rootDir = dirname(dirname(pkgDir));

/** What an app provides itself: tfjs (the peer dependency) and its backends stay out of our bundles. */
export const TFJS_EXTERNAL = [
  "@tensorflow/tfjs",
  "@tensorflow/tfjs-core",
  "@tensorflow/tfjs-layers",
  "@tensorflow/tfjs-backend-*",
];

export interface Bundle {
  code: string;
  bytes: number;
  /** Every module the bundle holds, as esbuild names them (paths relative to the repo root). */
  inputs: string[];
  /** The module specifiers the bundle still imports at run time. */
  imports: string[];
}

/**
 * Bundles `specifier` (resolved through this package's exports map, from source) the way an app's
 * bundler would: esbuild, minified ESM, tfjs external. `entry` replaces the default entry module
 * (`export * from specifier`). Rejects with esbuild's errors when it cannot.
 */
export async function bundle(
  specifier: string,
  platform: "browser" | "node",
  opts: { outfile?: string; entry?: string } = {},
): Promise<Bundle> {
  const { outfile, entry = `export * from ${JSON.stringify(specifier)};` } = opts;
  const result = await build({
    stdin: { contents: entry, resolveDir: pkgDir, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform,
    conditions: ["@fusegraph/source"],
    external: TFJS_EXTERNAL,
    metafile: true,
    // NOTE: CommonJS dependencies (yaml) call require("process"); an ESM bundle for Node needs one.
    ...(platform === "node"
      ? {
          banner: {
            js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);',
          },
        }
      : {}),
    write: outfile !== undefined,
    ...(outfile === undefined ? {} : { outfile }),
    absWorkingDir: rootDir,
    logLevel: "silent",
  });
  const meta: Metafile = result.metafile;
  const out = Object.values(meta.outputs)[0];
  if (!out) throw new Error("esbuild wrote no output");
  const code = result.outputFiles?.[0]?.text ?? "";
  return {
    code,
    bytes: out.bytes,
    inputs: Object.keys(meta.inputs),
    imports: out.imports.map((i) => i.path),
  };
}

/** Node built-ins a bundle imports, by the `node:` prefix or a bare built-in name. */
export function nodeImports(b: Bundle): string[] {
  const builtins = new Set(builtinModules);
  return b.imports.filter((p) => p.startsWith("node:") || builtins.has(p));
}
