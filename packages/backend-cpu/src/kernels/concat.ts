import type { Compute, KernelArgs } from "./types.js";

/** Concatenation along an axis of the example shape: interleaves each input's contiguous blocks. */
export function concat({ node, inputShapes, wasm }: KernelArgs<"concat">): Compute {
  const rank = node.shape.length;
  const axis = node.params.axis < 0 ? node.params.axis + rank : node.params.axis;
  let inner = 1;
  for (let i = axis + 1; i < rank; i++) inner *= node.shape[i]!;
  let outerPerExample = 1;
  for (let i = 0; i < axis; i++) outerPerExample *= node.shape[i]!;
  const blocks = inputShapes.map((s) => (s[axis] ?? 0) * inner);
  const total = blocks.reduce((a, b) => a + b, 0);
  return {
    run(inputs, y, batch) {
      const outer = outerPerExample * batch;
      const yPtr = wasm?.heap.offsetOf(y) ?? -1;
      // In the WebAssembly memory (the arena) each block is one memory.copy, without a view per block.
      if (wasm && yPtr >= 0 && inputs.every((x) => wasm.heap.offsetOf(x) >= 0)) {
        let at = 0;
        inputs.forEach((x, i) => {
          wasm.exports.copyBlocks(wasm.heap.offsetOf(x), yPtr, outer, blocks[i]!, total, at);
          at += blocks[i]!;
        });
        return;
      }
      let off = 0;
      inputs.forEach((x, i) => {
        const len = blocks[i]!;
        for (let o = 0; o < outer; o++) y.set(x.subarray(o * len, (o + 1) * len), o * total + off);
        off += len;
      });
    },
  };
}
