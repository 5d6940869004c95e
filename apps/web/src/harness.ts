import * as tf from "@tensorflow/tfjs";
import { backendDetails } from "./backend.js";

/** A tensor crossing the page boundary: plain arrays survive puppeteer's JSON transport exactly. */
export interface HarnessTensor {
  shape: number[];
  data: number[];
}

/**
 * What the page exposes as `window.fusegraphWeb` for the browser test: load a model.json with the
 * bundle's tfjs (and whatever layers it registered), run it on given inputs, free it.
 */
export interface WebHarness {
  /** The bundle: `layers` registers fusegraph's layer classes, `plain` is @tensorflow/tfjs alone. */
  bundle: string;
  backend(): string;
  details(): string;
  load(url: string): Promise<{ inputs: number[][]; outputs: number[][] }>;
  predict(url: string, inputs: HarnessTensor[]): Promise<HarnessTensor[]>;
  dispose(url: string): void;
}

declare global {
  interface Window {
    fusegraphWeb?: WebHarness;
  }
}

function batchShape(shape: readonly (number | null)[]): number[] {
  return shape.map((d) => d ?? 1);
}

export function installHarness(bundle: string): WebHarness {
  const models = new Map<string, tf.LayersModel>();
  const modelAt = (url: string): tf.LayersModel => {
    const m = models.get(url);
    if (!m) throw new Error(`no model loaded from ${url}; call load(url) first`);
    return m;
  };
  const harness: WebHarness = {
    bundle,
    backend: () => tf.getBackend(),
    details: backendDetails,
    async load(url) {
      const model = await tf.loadLayersModel(url);
      models.get(url)?.dispose();
      models.set(url, model);
      return {
        inputs: model.inputs.map((t) => batchShape(t.shape)),
        outputs: model.outputs.map((t) => batchShape(t.shape)),
      };
    },
    async predict(url, inputs) {
      const model = modelAt(url);
      const xs = inputs.map((t) => tf.tensor(t.data, t.shape, "float32"));
      try {
        const y = model.predict(xs.length === 1 ? xs[0]! : xs);
        const ys = Array.isArray(y) ? y : [y];
        const out = await Promise.all(
          ys.map(async (t) => ({ shape: [...t.shape], data: Array.from(await t.data()) })),
        );
        tf.dispose(ys);
        return out;
      } finally {
        tf.dispose(xs);
      }
    },
    dispose(url) {
      models.get(url)?.dispose();
      models.delete(url);
    },
  };
  window.fusegraphWeb = harness;
  return harness;
}
