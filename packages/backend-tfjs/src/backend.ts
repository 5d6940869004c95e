import * as tf from "@tensorflow/tfjs";

// NOTE: importing this package registers no tfjs backend and sets no tf.env flag: the app (or the CLI)
// chooses the runtime, and its own tfjs code keeps the backend it had.

export type BackendName = "wasm" | "cpu";

export type BackendErrorCode =
  /** The active tfjs backend initialises asynchronously (wasm, webgpu) and has not finished yet. */
  | "backend_not_ready"
  /** `useBackend("wasm")` could not import the optional peer `@tensorflow/tfjs-backend-wasm`. */
  | "backend_missing";

/** Thrown when the tfjs runtime is not usable yet; the message says what to await or install. */
export class BackendError extends Error {
  override readonly name = "BackendError";
  readonly code: BackendErrorCode;
  /** The tfjs backend concerned (e.g. "wasm"). */
  readonly backend: string;

  constructor(code: BackendErrorCode, backend: string, message: string) {
    super(message);
    this.code = code;
    this.backend = backend;
  }
}

/** The backend tfjs starts when none is selected yet: the registered one of highest priority. */
function bestRegistered(): string | undefined {
  const entries = Object.entries(tf.engine().registryFactory);
  entries.sort((a, b) => b[1].priority - a[1].priority);
  return entries[0]?.[0];
}

/**
 * Throws a {@link BackendError} if tfjs's active backend cannot run ops synchronously yet. tfjs's cpu
 * (Node's default) and webgl backends start synchronously, so `compile` works straight after import;
 * wasm or webgpu registered above them need `await tf.ready()` first.
 */
export function assertBackendReady(): void {
  const selected = tf.getBackend() as string | null | undefined;
  const best = bestRegistered();
  // NOTE: with no backend selected, tfjs's first op starts the best one in a way that, for an
  // asynchronous backend, `await tf.ready()` never finishes selecting (every later op throws too).
  // setBackend starts it without that trap, and a synchronous backend is ready when it returns.
  if (!selected && best !== undefined) void tf.setBackend(best).catch(() => false);
  try {
    // Throws while the selected backend is still starting.
    tf.engine().backend;
  } catch (e) {
    const name = (tf.getBackend() as string | null | undefined) || best || "none registered";
    const reason = e instanceof Error ? e.message : String(e);
    throw new BackendError(
      "backend_not_ready",
      name,
      `the tfjs backend "${name}" is not initialised yet (${reason}); await tf.ready() or useBackend() before compile`,
    );
  }
}

/** Registers tfjs-backend-wasm (an optional peer dependency) on first use. */
async function registerWasm(): Promise<void> {
  if (tf.findBackendFactory("wasm")) return;
  try {
    await import("@tensorflow/tfjs-backend-wasm");
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new BackendError(
      "backend_missing",
      "wasm",
      `cannot load @tensorflow/tfjs-backend-wasm (${reason}); install it next to @tensorflow/tfjs, or use the "cpu" backend`,
    );
  }
}

/**
 * Selects the tfjs runtime. `wasm` (the default) imports `@tensorflow/tfjs-backend-wasm` on first use
 * and falls back to `cpu` when WebAssembly cannot start; returns the backend actually in use. Throws a
 * {@link BackendError} when the wasm package is not installed.
 */
export async function useBackend(name: BackendName = "wasm"): Promise<BackendName> {
  if (tf.getBackend() === name) {
    await tf.ready();
    return name;
  }
  if (name === "wasm") {
    await registerWasm();
    if (await tf.setBackend("wasm").catch(() => false)) {
      await tf.ready();
      return "wasm";
    }
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
