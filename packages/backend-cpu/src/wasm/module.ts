import { readFileSync } from "node:fs";

// NOTE: the project's libs (ES2022 + @types/node 20) declare no `WebAssembly` global, so the few parts
// used here are typed locally.
/** A compiled module (opaque). */
export interface WasmModule {
  readonly __wasmModule: unique symbol;
}
/** A shared WebAssembly.Memory. */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: true }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: object) => { exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Exports of assembly/gemm.ts (pointers are byte offsets into the imported shared memory). */
export interface GemmExports {
  scratchFloats(): number;
  convRows(...args: number[]): void;
  convChunks(...args: number[]): void;
  winograd(...args: number[]): void;
  winogradChunks(...args: number[]): void;
  maxPool(...args: number[]): void;
  affine(...args: number[]): void;
  copyBlocks(...args: number[]): void;
  col2im(...args: number[]): void;
}

/** Pages (64 KiB) the compiled module declares as its memory's maximum (scripts/build-wasm.mjs). */
export const MAX_PAGES = 16384;

let bytes: Uint8Array | undefined;
let compiled: WasmModule | undefined;
let supported: boolean | undefined;

/** The committed kernels; read from beside this file, so the same code works from src and from dist. */
export function gemmWasmBytes(): Uint8Array {
  bytes ??= readFileSync(new URL("./gemm.wasm", import.meta.url));
  return bytes;
}

/** Whether this engine runs the kernels: they need WebAssembly SIMD and threads (shared memory). */
export function wasmKernelsSupported(): boolean {
  if (supported === undefined) {
    try {
      supported = typeof SharedArrayBuffer === "function" && wasmApi.validate(gemmWasmBytes());
    } catch {
      supported = false;
    }
  }
  return supported === true;
}

/** The compiled module, shared by every instance (and posted to worker threads). */
export function gemmModule(): WasmModule {
  compiled ??= new wasmApi.Module(gemmWasmBytes());
  return compiled;
}

export function instantiate(memory: WasmMemory): GemmExports {
  return new wasmApi.Instance(gemmModule(), { env: { memory } }).exports as unknown as GemmExports;
}
