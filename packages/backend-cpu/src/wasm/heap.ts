import { MAX_PAGES, type WasmMemory, wasmApi } from "./module.js";

const PAGE = 65536;
/** The module's own static data lives below this offset (AssemblyScript places it at 1024). */
const RESERVED = PAGE;

/**
 * One executor's WebAssembly memory (shared, so worker threads run on the same bytes) with a bump
 * allocator: packed weights and per-thread scratch are allocated once at prepare time, the I/O region at
 * run time. Views are always made afresh from `memory.buffer` (see `floats`), so growing is safe.
 */
export class WasmHeap {
  readonly memory: WasmMemory = new wasmApi.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  private top = RESERVED;
  /** Every buffer this heap has made views of: a view on one of them lives in this memory. */
  private readonly buffers = new WeakSet<SharedArrayBuffer>();

  /** Byte offset of `n` fresh floats (16-byte aligned), growing the memory when needed. */
  alloc(n: number): number {
    const at = this.top;
    this.top = at + Math.ceil((Math.max(1, n) * 4) / 16) * 16;
    const pages = Math.ceil(this.top / PAGE);
    const have = this.memory.buffer.byteLength / PAGE;
    if (pages > have) {
      if (pages > MAX_PAGES)
        throw new RangeError(`WebAssembly memory would need ${pages} pages (max ${MAX_PAGES})`);
      this.memory.grow(pages - have);
    }
    return at;
  }

  /** A view of `n` floats at byte offset `ptr`, made from the memory's current buffer. */
  floats(ptr: number, n: number): Float32Array {
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    return new Float32Array(buffer, ptr, n);
  }

  /** Byte offset of `a` in this memory, or -1 when it lives elsewhere. */
  offsetOf(a: Float32Array): number {
    return this.buffers.has(a.buffer as SharedArrayBuffer) ? a.byteOffset : -1;
  }
}
