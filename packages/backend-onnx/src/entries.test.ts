import { builtinModules } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));
const builtins = new Set(builtinModules);

/** Bundles an entry of this package (from source) as an app's bundler would; rejects with esbuild's errors. */
async function bundle(specifier: string, platform: "browser" | "node") {
  const result = await build({
    stdin: { contents: `export * from ${JSON.stringify(specifier)};`, resolveDir: pkgDir, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform,
    conditions: ["@fusegraph/source"],
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  const out = Object.values(result.metafile.outputs)[0];
  const imports = out?.imports.map((i) => i.path) ?? [];
  return {
    code: result.outputFiles[0]?.text ?? "",
    nodeImports: imports.filter((p) => p.startsWith("node:") || builtins.has(p)),
  };
}

describe("entries", () => {
  it("the root entry bundles for the browser with no node built-ins (for onnxruntime-web apps)", async () => {
    const b = await bundle("@fusegraph/backend-onnx", "browser");
    expect(b.nodeImports).toEqual([]);
    // Not trivially empty: the encoder and the lowerings are in it.
    for (const opType of ["ConvTranspose", "BatchNormalization", "GlobalAveragePool", "half_pixel"])
      expect(b.code).toContain(opType);
  });

  it("negative control: the node entry does not bundle for the browser (it writes files)", async () => {
    await expect(bundle("@fusegraph/backend-onnx/node", "browser")).rejects.toThrow(
      /Could not resolve "node:/,
    );
  });

  it("importing the root entry adds nothing to globalThis but zod's own registry (which the dsl brings)", async () => {
    const before = new Set(Object.getOwnPropertyNames(globalThis));
    const m = await import("./index.js");
    expect(typeof m.exportOnnx).toBe("function");
    const added = Object.getOwnPropertyNames(globalThis).filter((k) => !before.has(k));
    expect(added.filter((k) => !k.startsWith("__zod_"))).toEqual([]);
  });
});
