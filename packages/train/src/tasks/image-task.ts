import type { Graph, GraphInput } from "@fusegraph/dsl";
import { isError, mismatch, type OutputInfo, outputInfos, shapeText, singleInput } from "./inspect.js";
import { describePlan, planTarget, type TargetPlan } from "./resample.js";
import type { TaskIssue } from "./types.js";

/** Smallest image side the generators draw on. */
export const MIN_SIDE = 8;

export interface ImageOutput extends OutputInfo {
  readonly plan: TargetPlan;
}

export function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`sample count must be a non-negative integer, got ${n}`);
}

/** The image input [H, W, C] of a graph with H, W ≥ MIN_SIDE, or an issue saying what else to use. */
export function imageInput(graph: Graph, task: string): GraphInput | TaskIssue {
  const input = singleInput(
    graph,
    task,
    3,
    "an image input [H, W, C]",
    "image tasks are shapes, edges and blobs; for a [timesteps, features] input use --task sequence",
  );
  if (isError(input)) return input;
  const [h, w] = input.shape as [number, number, number];
  if (h < MIN_SIDE || w < MIN_SIDE) {
    return mismatch(
      ["inputs", input.id],
      `task "${task}": input "${input.id}" is ${h}x${w}, too small to draw shapes on`,
      `H and W at least ${MIN_SIDE}`,
      shapeText(input.shape),
      `give the input at least ${MIN_SIDE}x${MIN_SIDE} pixels`,
    );
  }
  return input;
}

/**
 * Every output as a per-pixel map over the input: rank 3, channels allowed by `channels`, and a
 * target plan (same size, centre crop or integer downscale). Issues name each output that is not.
 */
export function pixelOutputs(
  graph: Graph,
  task: string,
  input: GraphInput,
  channels: readonly number[],
  hint: string,
): { outputs: ImageOutput[]; issues: TaskIssue[] } {
  const outputs: ImageOutput[] = [];
  const issues: TaskIssue[] = [];
  const infos = outputInfos(graph);
  const want = `[h, w, ${channels.join(" or ")}] with h x w the input's ${input.shape[0]}x${input.shape[1]}, a centre crop of it, or an integer downscale`;
  if (infos.length === 0) {
    issues.push(mismatch(["outputs"], `task "${task}": the spec has no outputs`, want, "no outputs", hint));
  }
  for (const o of infos) {
    const plan = o.shape.length === 3 ? planTarget(input.shape, o.shape) : undefined;
    const c = o.shape[2];
    if (!plan || c === undefined || !channels.includes(c)) {
      issues.push(
        mismatch(
          ["outputs", o.index],
          `task "${task}": output "${o.id}" has shape ${shapeText(o.shape)}, which is not a per-pixel map of input "${input.id}" ${shapeText(input.shape)}`,
          want,
          shapeText(o.shape),
          hint,
          o.id,
        ),
      );
      continue;
    }
    outputs.push({ ...o, plan });
  }
  return { outputs, issues };
}

/** The window [top, left, h, w] of the input that an output's target covers (the whole image unless cropped). */
export function targetWindow(
  plan: TargetPlan,
  H: number,
  W: number,
  shape: readonly number[],
): [number, number, number, number] {
  if (plan.kind === "crop") return [plan.top, plan.left, shape[0]!, shape[1]!];
  return [0, 0, H, W];
}

export { describePlan };
