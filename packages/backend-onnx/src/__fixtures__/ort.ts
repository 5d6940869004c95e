import type { TensorData } from "@fusegraph/dsl";
import * as ort from "onnxruntime-node";

/** Runs a serialised model on onnxruntime-node (CPU, one thread for repeatable sums). */
export async function runOrt(
  model: Uint8Array,
  inputs: Record<string, TensorData>,
): Promise<Record<string, TensorData>> {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [id, t] of Object.entries(inputs)) feeds[id] = new ort.Tensor("float32", t.data, t.shape);
    const out = await session.run(feeds);
    const result: Record<string, TensorData> = {};
    for (const name of session.outputNames) {
      const t = out[name];
      if (t) result[name] = { shape: t.dims.map(Number), data: t.data as Float32Array };
    }
    return result;
  } finally {
    await session.release();
  }
}
