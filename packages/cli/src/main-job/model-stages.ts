import { writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { formatIssue, type Graph, initWeights, type WeightMap } from "@fusegraph/dsl";
import { makeDirs } from "@fusegraph/dsl/node";
import { loadTfjs } from "../backends.js";
import { formatError } from "../commands/verify.js";
import { describeNonFinite, verifyGraph } from "../cross-backend.js";
import { renderGraph } from "../render/index.js";
import { validateSource } from "../spec-analysis.js";
import { mainStages } from "./analysis-stages.js";
import { outputName, shownPath } from "./paths.js";
import type { Stage } from "./stage.js";
import type { SubjectState } from "./subjects.js";

/** Seed of the weights and inputs the main job compiles and verifies with. */
export const MAIN_SEED = 0;

/** The small graph of a subject: its smallSpec() when it has one, else the checked graph. */
async function smallGraph(state: SubjectState): Promise<Graph | undefined> {
  if (state.small) return state.small;
  const load = state.subject.loadSmall;
  if (!load) {
    state.small = state.graph;
    return state.small;
  }
  const source = await load();
  const result = validateSource(source);
  if (!result.ok) {
    for (const i of result.issues) state.problems.push(formatIssue(i, `${source.label} (small)`));
    return undefined;
  }
  state.small = result.graph;
  return state.small;
}

/** The input shape compile and verify ran at, for the table: `64x64x3 (small)`. */
function inputCell(state: SubjectState): string {
  const g = state.small;
  if (!g) return "-";
  const shapes = g.inputs.map((i) => i.shape.join("x"));
  const full = state.graph?.inputs.map((i) => i.shape.join("x")) ?? [];
  const text = shapes.length > 2 ? `${shapes.length} inputs` : shapes.join(", ");
  return shapes.join(" ") === full.join(" ") ? text : `${text} (small)`;
}

/**
 * Weights a model may have for the job to write it without `--full-weights`: the samples, the LSTMs
 * and tiny-fpn fit; every full-width example is bigger (resnet152 alone is 231 MiB, all of them ~1.2 GB).
 */
export const MAIN_WEIGHTS_LIMIT_BYTES = 4 * 2 ** 20;

function weightBytes(weights: WeightMap): number {
  let bytes = 0;
  for (const t of weights.values()) bytes += t.data.byteLength;
  return bytes;
}

/**
 * Compiles the small graph to tfjs (in memory, for verify) and writes `<outDir>/<name>/` (model.json +
 * weights.bin) when its weights are within {@link MAIN_WEIGHTS_LIMIT_BYTES}, or for every model with
 * `fullWeights`.
 */
export function compileStage(outDir: string, fullWeights = false): Stage {
  return {
    name: "compile",
    column: { header: "Compiled at", cell: inputCell },
    async run(state, ctx) {
      if (!state.graph) return { status: "skipped", detail: "no graph" };
      const graph = await smallGraph(state);
      if (!graph) return { status: "failed", detail: "small spec is invalid" };
      const tfjs = await loadTfjs("wasm");
      state.weights = initWeights(graph, { seed: MAIN_SEED });
      state.model = tfjs.compile(graph, { weights: state.weights });
      const dir = resolve(ctx.io.cwd, outDir, outputName(state.subject));
      const shown = relative(ctx.io.cwd, dir);
      const bytes = weightBytes(state.weights);
      const written = fullWeights || bytes <= MAIN_WEIGHTS_LIMIT_BYTES;
      state.saved = { weightBytes: bytes, written, dir: shownPath(ctx.io.cwd, dir) };
      if (!written) return { status: "ok" };
      // NOTE: out/ is the job's own output, rewritten on every run, so an existing model is replaced.
      await tfjs.saveModel(state.model, dir, { overwrite: true });
      state.files.push(join(shown, tfjs.MODEL_JSON), join(shown, tfjs.WEIGHTS_BIN));
      return { status: "ok" };
    },
  };
}

/** Runs backend-cpu and the compiled tfjs model on the same seeded inputs; fails above 1e-4 relative. */
export const verifyStage: Stage = {
  name: "verify",
  column: {
    header: "Verify max err",
    align: "right",
    cell: (state) => (state.verify ? formatError(state.verify.maxRelError) : "-"),
  },
  async run(state) {
    const graph = state.small;
    if (!graph || !state.weights) return { status: "skipped", detail: "not compiled" };
    const report = await verifyGraph(graph, {
      seed: MAIN_SEED,
      weights: state.weights,
      ...(state.model ? { model: state.model } : {}),
    });
    state.verify = report;
    if (report.ok) return { status: "ok" };
    // NOTE: `!(x <= tolerance)` so an unmeasurable (NaN) error is listed too.
    for (const o of report.outputs.filter((x) => !(x.maxRelError <= report.tolerance))) {
      state.problems.push(
        `${state.subject.name}: ${
          describeNonFinite(o) ??
          `output "${o.id}" differs between cpu and tfjs by ${formatError(o.maxAbsError)} ` +
            `(relative ${formatError(o.maxRelError)}, tolerance ${report.tolerance})`
        }`,
      );
    }
    return { status: "failed", detail: `max relative error ${formatError(report.maxRelError)}` };
  },
};

/** Draws the (full-size) graph as `<outDir>/<name>.svg`. */
export function drawStage(outDir: string): Stage {
  return {
    name: "draw",
    async run(state, ctx) {
      if (!state.graph) return { status: "skipped", detail: "no graph" };
      const svg = await renderGraph(state.graph, { format: "svg" });
      const path = resolve(ctx.io.cwd, outDir, `${outputName(state.subject)}.svg`);
      await makeDirs(resolve(ctx.io.cwd, outDir));
      await writeFile(path, svg);
      state.files.push(relative(ctx.io.cwd, path));
      return { status: "ok" };
    },
  };
}

/** Every step of `fusegraph main`, in order. */
export function jobStages(outDir: string, fullWeights = false): Stage[] {
  return [...mainStages, compileStage(outDir, fullWeights), verifyStage, drawStage(outDir)];
}
