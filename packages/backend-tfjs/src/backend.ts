import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";

export type BackendName = "wasm" | "cpu";

// NOTE: tfjs's cpu backend prints a banner advising tfjs-node on first use in Node; `PROD` is the flag
// its logger honours. Library code writes nothing to the console, so the flag is set on import.
tf.env().set("PROD", true);

/**
 * Selects the tfjs runtime. `wasm` (the default) falls back to `cpu` when WebAssembly cannot start;
 * returns the backend actually in use.
 */
export async function useBackend(name: BackendName = "wasm"): Promise<BackendName> {
  if (tf.getBackend() === name) return name;
  if (name === "wasm" && (await tf.setBackend("wasm").catch(() => false))) {
    await tf.ready();
    return "wasm";
  }
  await tf.setBackend("cpu");
  await tf.ready();
  return "cpu";
}

/** The backend tfjs is running on now, if it is one of ours. */
export function currentBackend(): BackendName | undefined {
  const b = tf.getBackend();
  return b === "wasm" || b === "cpu" ? b : undefined;
}
