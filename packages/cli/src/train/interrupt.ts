import { ExitCode } from "../errors.js";
import type { CliIO } from "../output.js";

/**
 * Runs `work` with an AbortSignal that the first Ctrl-C (SIGINT) fires, so training stops cleanly after
 * the current step and writes what it has; a second Ctrl-C exits at once (the last checkpoint on disk
 * is complete, since every write is atomic).
 */
export async function withInterrupt<T>(
  io: Pick<CliIO, "stderr">,
  work: (signal: AbortSignal) => Promise<T>,
  onFirst?: () => void,
): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) {
      io.stderr.write("\nfusegraph: interrupted again: exiting now (the last complete checkpoint is kept)\n");
      process.exit(ExitCode.interrupted);
    }
    onFirst?.();
    io.stderr.write("\nfusegraph: stopping after the current step (Ctrl-C again to quit at once)\n");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    return await work(controller.signal);
  } finally {
    process.off("SIGINT", onSigint);
  }
}
