import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { gemmWasmBytes, wasmKernelsSupported } from "./module.js";

describe("committed gemm.wasm", () => {
  it("is byte-identical to a fresh build of assembly/gemm.ts", () => {
    const dir = mkdtempSync(join(tmpdir(), "fusegraph-wasm-"));
    try {
      const out = join(dir, "gemm.wasm");
      const script = fileURLToPath(new URL("../../scripts/build-wasm.mjs", import.meta.url));
      execFileSync(process.execPath, [script, out], { stdio: "pipe" });
      const fresh = readFileSync(out);
      expect(fresh.length).toBeGreaterThan(1000);
      expect(Buffer.compare(fresh, Buffer.from(gemmWasmBytes()))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("validates on this Node (SIMD and shared memory), so the default path is wasm here", () => {
    expect(wasmKernelsSupported()).toBe(true);
  });
});
