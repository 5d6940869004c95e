#!/usr/bin/env node
// Copies the committed WebAssembly kernels beside the compiled JS (dist/wasm/), where the loader reads them.
import { copyFileSync, mkdirSync } from "node:fs";

const from = new URL("../src/wasm/gemm.wasm", import.meta.url);
const to = new URL("../dist/wasm/", import.meta.url);
mkdirSync(to, { recursive: true });
copyFileSync(from, new URL("gemm.wasm", to));
