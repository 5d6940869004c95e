import { toPair, transposeWindow2d } from "@fusegraph/dsl";
import { matmulGeom } from "../gemm.js";
import { sharedFloats } from "../tensor.js";
import { LINEAR } from "./activate.js";
import { gemmConv } from "./conv2d.js";
import type { Compute, KernelArgs } from "./types.js";

/**
 * Transposed conv as GEMM + col2im: each input pixel times the kernel gives its kh*kw*filters
 * contributions (one GEMM, kernel transposed to [C, kh*kw*filters] once), which are scattered into
 * the full output and cropped by the pads.
 */
export function conv2dTranspose({ node, inputShapes, weight, wasm }: KernelArgs<"conv2dTranspose">): Compute {
  const p = node.params;
  const [H = 0, W = 0, C = 0] = inputShapes[0] ?? [];
  const [kh, kw] = toPair(p.kernelSize);
  const [sh, sw] = toPair(p.strides);
  const [dh, dw] = toPair(p.dilation);
  const F = p.filters;
  const { outH, outW, pads } = transposeWindow2d([H, W], p.kernelSize, p.strides, p.dilation, p.padding);
  const cols = kh * kw * F;
  const k = weight("kernel");
  const kt = new Float32Array(C * cols);
  for (let t = 0; t < kh * kw; t++)
    for (let f = 0; f < F; f++)
      for (let c = 0; c < C; c++) kt[c * cols + t * F + f] = k[(t * F + f) * C + c]!;
  const bias = p.useBias ? weight("bias") : undefined;
  const gemm = gemmConv(matmulGeom(C, cols), kt, undefined, {}, LINEAR, wasm);
  let scratch = sharedFloats(1);
  // On the WebAssembly GEMM the per-pixel contributions stay in its memory (no copy out and back).
  const contributions = (n: number): Float32Array => {
    if (wasm) return wasm.tempRegion(n);
    if (scratch.length < n) scratch = sharedFloats(n);
    return scratch.subarray(0, n);
  };
  let biasPtr = 0;
  if (wasm && bias) {
    biasPtr = wasm.heap.alloc(F);
    wasm.heap.floats(biasPtr, F).set(bias);
  }
  return {
    run([x], y, batch, rt) {
      const m = batch * H * W;
      const part = contributions(m * cols);
      gemm.run([x!], part, m, rt);
      // Stride equal to an undilated kernel: every output pixel gets exactly one tap, so the taps are
      // written with the bias instead of accumulated onto a bias-filled output.
      const tiled = dh === 1 && dw === 1 && sh === kh && sw === kw;
      const partPtr = wasm?.heap.offsetOf(part) ?? -1;
      const yPtr = wasm?.heap.offsetOf(y) ?? -1;
      if (wasm && partPtr >= 0 && yPtr >= 0) {
        const geom = [batch, H, W, F, kh, kw, sh, sw, dh, dw, pads.top, pads.left, outH, outW];
        wasm.exports.col2im(partPtr, biasPtr, yPtr, ...geom, bias ? 1 : 0, tiled ? 1 : 0);
        return;
      }
      if (!tiled) {
        const n = batch * outH * outW * F;
        if (bias) for (let i = 0; i < n; i += F) for (let f = 0; f < F; f++) y[i + f] = bias[f]!;
        else y.fill(0, 0, n);
      }
      for (let b = 0; b < batch; b++) {
        for (let iy = 0; iy < H; iy++) {
          for (let ix = 0; ix < W; ix++) {
            const row = ((b * H + iy) * W + ix) * cols;
            for (let ky = 0; ky < kh; ky++) {
              const oy = iy * sh + ky * dh - pads.top;
              if (oy < 0 || oy >= outH) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ox = ix * sw + kx * dw - pads.left;
                if (ox < 0 || ox >= outW) continue;
                const d = ((b * outH + oy) * outW + ox) * F;
                const s = row + (ky * kw + kx) * F;
                if (!tiled) for (let f = 0; f < F; f++) y[d + f]! += part[s + f]!;
                else if (bias) for (let f = 0; f < F; f++) y[d + f] = part[s + f]! + bias[f]!;
                else for (let f = 0; f < F; f++) y[d + f] = part[s + f]!;
              }
            }
          }
        }
      }
    },
  };
}
