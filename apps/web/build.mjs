#!/usr/bin/env node
// Builds the example page into dist/: index.html, app.js (tfjs + fusegraph's layers), plain.js (tfjs
// alone) and tfjs-backend-wasm's .wasm binaries, which the wasm backend fetches from beside the page.
import { copyFile, mkdir, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const WASM_FILES = [
  "tfjs-backend-wasm.wasm",
  "tfjs-backend-wasm-simd.wasm",
  "tfjs-backend-wasm-threaded-simd.wasm",
];

/**
 * Bundles the page into `outdir` (emptied first). `source: true` bundles the workspace packages from
 * their TypeScript sources (the "@fusegraph/source" export condition), as the tests do, so no build
 * of the packages is needed; otherwise from their built dist/. Returns esbuild's metafile, which
 * says which source files went into each bundle.
 * @param {{ outdir?: string, source?: boolean, minify?: boolean }} [options]
 * @returns {Promise<import("esbuild").Metafile>}
 */
export async function buildPage({ outdir = join(here, "dist"), source = false, minify = true } = {}) {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: here,
    entryPoints: { app: "src/app.ts", plain: "src/plain.ts" },
    outdir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: source ? ["@fusegraph/source"] : [],
    minify,
    sourcemap: true,
    metafile: true,
    logLevel: "silent",
  });
  await copyFile(join(here, "index.html"), join(outdir, "index.html"));
  const wasmDir = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
  for (const f of WASM_FILES) await copyFile(join(wasmDir, f), join(outdir, f));
  return result.metafile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildPage({ source: process.argv.includes("--source") });
  console.log(`built ${join(here, "dist")}`);
}
