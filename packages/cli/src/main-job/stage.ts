import type { CommandContext } from "../context.js";
import type { JobSubject, SubjectState } from "./subjects.js";

export type StageStatus = "ok" | "warning" | "failed" | "skipped";

export interface StageOutcome {
  status: StageStatus;
  /** One short line for the status column (e.g. "2 errors"). */
  detail?: string;
}

/**
 * One step of the main job, run for every subject in order. Extension point: compile (tfjs),
 * verify (cpu vs tfjs) and draw are stages appended to the analysis ones (see `jobStages`); a stage
 * after a failed one is skipped for that subject.
 */
export interface Stage {
  name: string;
  run(state: SubjectState, ctx: CommandContext): Promise<StageOutcome>;
  /** A column this stage adds to the final table, before Status (e.g. verify's max error). */
  column?: { header: string; align?: "left" | "right"; cell(state: SubjectState): string };
}

export interface SubjectResult {
  state: SubjectState;
  stages: { name: string; outcome: StageOutcome }[];
  failed: boolean;
}

/** Runs the stages over one subject; a thrown error fails that stage only, and later stages are skipped. */
export async function runSubject(
  subject: JobSubject,
  stages: readonly Stage[],
  ctx: CommandContext,
  onStage: (stage: string) => void = () => {},
): Promise<SubjectResult> {
  const state: SubjectState = { subject, files: [], problems: [] };
  const done: SubjectResult["stages"] = [];
  let failed = false;
  for (const stage of stages) {
    if (failed) {
      done.push({ name: stage.name, outcome: { status: "skipped" } });
      continue;
    }
    onStage(stage.name);
    let outcome: StageOutcome;
    try {
      outcome = await stage.run(state, ctx);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      state.problems.push(`${subject.name}: ${stage.name} threw: ${message}`);
      if (ctx.debug && err instanceof Error && err.stack) state.problems.push(err.stack);
      outcome = { status: "failed", detail: message.split("\n")[0] };
    }
    done.push({ name: stage.name, outcome });
    if (outcome.status === "failed") failed = true;
  }
  return { state, stages: done, failed };
}

/** Frees what a subject's stages held (tfjs model, weights) once its row is done. */
export function release(state: SubjectState): void {
  state.model?.dispose();
  delete state.model;
  delete state.weights;
}
