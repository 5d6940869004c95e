import * as tf from "@tensorflow/tfjs";
import { backendDetails, backendFromQuery, startBackend } from "./backend.js";
import { installHarness } from "./harness.js";
import { canvasPixels, drawShapes } from "./input-image.js";
import { isImageShape, paintMap } from "./output-image.js";

function element<T extends HTMLElement>(id: string, kind: new () => T): T {
  const e = document.getElementById(id);
  if (!(e instanceof kind)) throw new Error(`the page has no <${kind.name}> #${id}`);
  return e;
}

/** Median of a few timed runs, in ms, after the first run (which compiles shaders and kernels). */
async function timeRuns(run: () => Promise<void>, times: number): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)]!;
}

/**
 * The example: loads `?model=` (a tfjs model.json; `defaultModel` without it) on `?backend=`, draws
 * shapes as its input, runs it and paints output `?output=` (0 by default) with the backend and the
 * inference time. `body[data-state]` ends as `done` or `error`, for the browser test.
 */
export async function runPage(bundle: string, defaultModel: string): Promise<void> {
  installHarness(bundle);
  const status = element("status", HTMLElement);
  try {
    const query = new URLSearchParams(location.search);
    await startBackend(backendFromQuery(query));
    const url = query.get("model") ?? defaultModel;
    const model = await tf.loadLayersModel(url);
    const [, height, width, channels] = model.inputs[0]?.shape ?? [];
    if (model.inputs.length !== 1 || !height || !width || !channels) {
      throw new Error(`the example draws one image input; ${url} takes ${model.inputs.length} inputs`);
    }
    const outputIndex = Number(query.get("output") ?? 0);
    const input = element("input", HTMLCanvasElement);
    drawShapes(input, height, width);
    const x = tf.tensor(canvasPixels(input, channels), [1, height, width, channels]);
    let shown: { shape: number[]; data: Float32Array } | undefined;
    const run = async () => {
      const y = model.predict(x);
      const ys = Array.isArray(y) ? y : [y];
      const t = ys[outputIndex];
      if (!t) throw new Error(`?output=${outputIndex}: the model has ${ys.length} outputs`);
      shown = { shape: [...t.shape], data: (await t.data()) as Float32Array };
      tf.dispose(ys);
    };
    const t0 = performance.now();
    await run();
    const first = performance.now() - t0;
    const ms = await timeRuns(run, 5);
    x.dispose();
    const out = shown!;
    const name = model.outputNames[outputIndex] ?? `output ${outputIndex}`;
    if (isImageShape(out.shape)) paintMap(element("output", HTMLCanvasElement), out.shape, out.data);
    element("output-caption", HTMLElement).textContent = `${name} [${out.shape.join(", ")}]`;
    status.textContent =
      `${model.name} (${bundle} bundle) on ${backendDetails()}: ` +
      `${ms.toFixed(1)} ms per inference (median of 5; first run ${first.toFixed(0)} ms)`;
    document.body.dataset.inferenceMs = ms.toFixed(2);
    document.body.dataset.state = "done";
  } catch (e) {
    status.textContent = `error: ${e instanceof Error ? e.message : String(e)}`;
    document.body.dataset.state = "error";
  }
}
