import type { NetworkId } from "./networks.js";

export type EngineId =
  | "fg-cpu-1t"
  | "fg-cpu-all"
  | "fg-tfjs-wasm"
  | "fg-tfjs-wasm-opt"
  | "tfjs-wasm-hand"
  | "ort-web"
  | "ort-node"
  | "tfjs-cpu";

export interface EngineInfo {
  id: EngineId;
  label: string;
  /** Only these networks and batches (tfjs-cpu is too slow for more). */
  only?: { networks: readonly NetworkId[]; batches: readonly number[] };
}

export const ENGINES: readonly EngineInfo[] = [
  { id: "fg-cpu-1t", label: "fusegraph backend-cpu, 1 thread" },
  { id: "fg-cpu-all", label: "fusegraph backend-cpu, all threads" },
  { id: "fg-tfjs-wasm", label: "fusegraph -> tfjs-wasm" },
  { id: "fg-tfjs-wasm-opt", label: "fusegraph -> tfjs-wasm, optimize: inference" },
  { id: "tfjs-wasm-hand", label: "tfjs layers hand-built, tfjs-wasm" },
  { id: "ort-web", label: "onnxruntime-web wasm (exportOnnx), all threads" },
  { id: "ort-node", label: "onnxruntime-node native (exportOnnx), all threads" },
  {
    id: "tfjs-cpu",
    label: "tfjs layers hand-built, tfjs-cpu",
    only: { networks: ["resnet50", "tiny"], batches: [1] },
  },
];

/** Ratios are against this engine (the reference); agreement is against backend-cpu. */
export const BASELINE: EngineId = "tfjs-wasm-hand";
export const REFERENCE: EngineId = "fg-cpu-1t";

export function engineInfo(id: string): EngineInfo | undefined {
  return ENGINES.find((e) => e.id === id);
}

export function enginesFor(network: NetworkId, batch: number, ids: readonly EngineId[]): EngineId[] {
  return ids.filter((id) => {
    const only = engineInfo(id)?.only;
    return !only || (only.networks.includes(network) && only.batches.includes(batch));
  });
}
