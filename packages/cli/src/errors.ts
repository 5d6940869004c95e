/** Exit codes, documented in `fusegraph --help`. */
export const ExitCode = {
  /** Everything passed (warnings may have been printed). */
  ok: 0,
  /** A spec is invalid, or a step of the main job failed. */
  failed: 1,
  /** The command line is wrong: unknown command or flag, missing argument, unreadable spec file. */
  usage: 2,
  /** A bug in fusegraph itself; rerun with --debug for the stack trace. */
  internal: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A problem with how the command was called; printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
