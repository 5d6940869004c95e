#!/usr/bin/env node
// Compiles assembly/gemm.ts into src/wasm/gemm.wasm (committed; `node scripts/build-wasm.mjs [outFile]`).
// The output is deterministic: src/wasm/binary.test.ts rebuilds it and checks it is byte-identical.
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";

const source = fileURLToPath(new URL("../assembly/gemm.ts", import.meta.url));
const out = process.argv[2] ?? fileURLToPath(new URL("../src/wasm/gemm.wasm", import.meta.url));
const { error, stderr } = await asc.main([
  source,
  "-O3",
  "--runtime",
  "stub",
  "--noAssert",
  "--importMemory",
  "--sharedMemory",
  "--maximumMemory",
  "16384",
  "--enable",
  "simd",
  "--enable",
  "threads",
  "-o",
  out,
]);
if (error) {
  process.stderr.write(`${stderr.toString()}\n`);
  process.exit(1);
}
