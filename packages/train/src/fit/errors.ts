import type { SpecIssue } from "@fusegraph/dsl";
import type { TaskIssue } from "../tasks/types.js";

export type TrainErrorCode =
  /** No bundled task has that name. */
  | "unknown_task"
  /** The spec's inputs or outputs do not fit the task (see `issues`). */
  | "task_mismatch"
  /** An option out of range (epochs, batchSize, lr, samples, merges). */
  | "invalid_options"
  /** tfjs could not compile the graph or load the given weights into it. */
  | "compile_failed"
  /** The tfjs backend asked for cannot be loaded (e.g. @tensorflow/tfjs-backend-wasm is not installed). */
  | "backend_unavailable";

/** What `train`, `evaluate` and `ablate` throw for input a user can get wrong: a code, a message and a hint. */
export class TrainError extends Error {
  override readonly name = "TrainError";
  readonly code: TrainErrorCode;
  readonly hint: string | undefined;
  /** The spec or task issues behind a `task_mismatch`, printable like `fusegraph check`'s. */
  readonly issues: readonly (SpecIssue | TaskIssue)[];

  constructor(
    code: TrainErrorCode,
    message: string,
    opts: { hint?: string; issues?: readonly (SpecIssue | TaskIssue)[]; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.hint = opts.hint;
    this.issues = opts.issues ?? [];
  }
}
