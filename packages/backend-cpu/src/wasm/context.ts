import { WasmHeap } from "./heap.js";
import { type GemmExports, instantiate } from "./module.js";
import { WasmPool } from "./pool.js";
import type { WinogradMode } from "./winograd.js";

/**
 * What an executor's WebAssembly kernels share: the memory, the calling thread's instance, one packing
 * scratch per thread, a growable I/O region and (lazily) the worker pool.
 */
export class WasmContext {
  readonly heap = new WasmHeap();
  readonly exports: GemmExports = instantiate(this.heap.memory);
  /** Byte offset of each thread's packing scratch; index 0 is the calling thread. */
  readonly scratch: readonly number[];
  private pool: WasmPool | undefined;
  private io = { ptr: 0, floats: 0 };
  private temp = { ptr: 0, floats: 0 };
  /** Byte offset of the chunk counter the threads of one conv share. */
  private readonly counterPtr = this.heap.alloc(4);
  private arenaRegion = { ptr: 0, floats: 0 };

  /**
   * `winograd`: which Winograd kernel eligible 3x3 convs run on (see PrepareOptions.winograd; false keeps
   * every conv on im2col + GEMM, as the tests' reference).
   */
  constructor(
    readonly threads: number,
    readonly winograd: WinogradMode = true,
  ) {
    const floats = this.exports.scratchFloats() + 32;
    this.scratch = Array.from({ length: threads }, () => this.heap.alloc(floats));
  }

  /** Workers for large convs; undefined when running on the calling thread only. */
  workers(): WasmPool | undefined {
    if (this.threads > 1 && !this.pool) this.pool = new WasmPool(this.heap.memory, this.threads - 1);
    return this.pool;
  }

  /** Byte offset of the chunk counter, zeroed for the next conv. */
  counter(): number {
    Atomics.store(new Int32Array(this.heap.memory.buffer, this.counterPtr, 1), 0, 0);
    return this.counterPtr;
  }

  /** Byte offset of a region of at least `floats` floats that a kernel may use during one call. */
  ioRegion(floats: number): number {
    if (floats > this.io.floats) this.io = { ptr: this.heap.alloc(floats), floats };
    return this.io.ptr;
  }

  /**
   * A view of at least `floats` floats a kernel may keep its intermediate in during one call (apart from
   * the I/O region, which `bindIo` may fill in the same call).
   */
  tempRegion(floats: number): Float32Array {
    if (floats > this.temp.floats) this.temp = { ptr: this.heap.alloc(floats), floats };
    return this.heap.floats(this.temp.ptr, floats);
  }

  /**
   * `floats` floats for the executor's activation arena, so convs read and write it in place. The region
   * is reused while it is large enough; a larger batch takes a new one (the old stays unused).
   */
  arena(floats: number): Float32Array {
    if (floats > this.arenaRegion.floats) this.arenaRegion = { ptr: this.heap.alloc(floats), floats };
    return this.heap.floats(this.arenaRegion.ptr, floats);
  }

  dispose(): void {
    this.pool?.dispose();
    this.pool = undefined;
  }
}
