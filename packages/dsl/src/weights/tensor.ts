/**
 * Framework-free tensors shared by every backend. Activations carry the batch dimension first
 * (`[N, H, W, C]`), unlike {@link Shape}, which describes one example.
 */
export interface TensorData {
  shape: number[];
  data: Float32Array;
}

/** Weights keyed `nodeId/weightName` (e.g. `stem.conv/kernel`), in the layouts of docs/ops.md. */
export type WeightMap = Map<string, TensorData>;

/** The key of a node's weight in a {@link WeightMap}. */
export function weightKey(nodeId: string, weightName: string): string {
  return `${nodeId}/${weightName}`;
}
