import type { TensorData } from "@fusegraph/dsl";
import type { MapContext } from "./case-mapping.js";
import type { OnnxNode, OnnxTensor } from "./onnx.js";

/** Typed reads of a node's attributes and input values, with ONNX's defaults. */

export function attrInt(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes.get(name);
  return a?.type === "int" ? a.value : fallback;
}

export function attrFloat(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes.get(name);
  return a?.type === "float" ? a.value : fallback;
}

export function attrString(node: OnnxNode, name: string, fallback: string): string {
  const a = node.attributes.get(name);
  return a?.type === "string" ? a.value : fallback;
}

export function attrInts(node: OnnxNode, name: string): number[] | undefined {
  const a = node.attributes.get(name);
  return a?.type === "ints" ? a.value : undefined;
}

export function attrStrings(node: OnnxNode, name: string): string[] | undefined {
  const a = node.attributes.get(name);
  return a?.type === "strings" ? a.value : undefined;
}

/** The first attribute the mapper does not know, so it is reported instead of silently ignored. */
export function unknownAttribute(node: OnnxNode, known: readonly string[]): string | undefined {
  for (const name of node.attributes.keys()) if (!known.includes(name)) return name;
  return undefined;
}

/** The value of input `index`, or undefined when the input is omitted (empty name) or absent. */
export function inputValue(ctx: MapContext, index: number): OnnxTensor | undefined {
  const name = ctx.node.inputs[index];
  return name ? ctx.values.get(name) : undefined;
}

/** A present (non-empty) optional input or output. */
export function hasSlot(names: readonly string[], index: number): boolean {
  return (names[index] ?? "") !== "";
}

export function toTensorData(t: OnnxTensor): TensorData {
  return { shape: [...t.dims], data: Float32Array.from(t.values) };
}

/** Batch first: an ONNX tensor fed whole as one example (batch 1), for ops that take any rank. */
export function asSingleExample(t: OnnxTensor): TensorData {
  return { shape: [1, ...t.dims], data: Float32Array.from(t.values) };
}

/**
 * Spatial pads of a 2-D window op as fusegraph's [top, bottom, left, right], from ONNX's `pads`
 * ([h_begin, w_begin, h_end, w_end]) or `auto_pad` (SAME_UPPER puts the odd pixel at the end,
 * SAME_LOWER at the start; output ceil(in/stride)).
 */
export function windowPads(
  node: OnnxNode,
  input: readonly [number, number],
  kernel: readonly [number, number],
  strides: readonly [number, number],
  dilations: readonly [number, number],
): [number, number, number, number] | { unsupported: string } {
  const autoPad = attrString(node, "auto_pad", "NOTSET");
  const pads = attrInts(node, "pads");
  if (autoPad === "NOTSET") {
    if (!pads) return [0, 0, 0, 0];
    if (pads.length !== 4) return { unsupported: `pads of length ${pads.length} (only 2-D windows)` };
    const [hb = 0, wb = 0, he = 0, we = 0] = pads;
    return [hb, he, wb, we];
  }
  if (autoPad === "VALID") return [0, 0, 0, 0];
  if (autoPad !== "SAME_UPPER" && autoPad !== "SAME_LOWER") return { unsupported: `auto_pad ${autoPad}` };
  const out: number[] = [];
  for (let i = 0; i < 2; i++) {
    const n = input[i] as number;
    const s = strides[i] as number;
    const eff = ((kernel[i] as number) - 1) * (dilations[i] as number) + 1;
    const total = Math.max(0, (Math.ceil(n / s) - 1) * s + eff - n);
    const small = Math.floor(total / 2);
    const [begin, end] = autoPad === "SAME_UPPER" ? [small, total - small] : [total - small, small];
    out.push(begin, end);
  }
  const [t = 0, b = 0, l = 0, r = 0] = out;
  return [t, b, l, r];
}

/** ONNX's 2-D `strides`/`dilations`/`kernel_shape` with default `fallback`, or undefined if not 2-D. */
export function pairAttr(
  node: OnnxNode,
  name: string,
  fallback: [number, number],
): [number, number] | undefined {
  const v = attrInts(node, name);
  if (!v) return fallback;
  return v.length === 2 ? [v[0] as number, v[1] as number] : undefined;
}
