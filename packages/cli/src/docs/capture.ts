// Real CLI runs captured as the console blocks of a generated page.
import { fileURLToPath } from "node:url";
import type { CommandContext } from "../context.js";
import { ExitCode, UsageError } from "../errors.js";
import { type CliIO, makeStyle } from "../output.js";
import { fenced } from "./markdown.js";

function captureContext(cwd: string): { ctx: CommandContext; output: () => string } {
  let out = "";
  // NOTE: stderr joins stdout, as in a terminal, so a warning printed by the command shows in the page.
  const write = (s: string): void => {
    out += s;
  };
  const io: CliIO = {
    stdout: { write, isTTY: false },
    stderr: { write, isTTY: false },
    env: {},
    cwd,
    readStdin: async () => {
      throw new UsageError("the merge report reads no standard input");
    },
  };
  return { ctx: { io, style: makeStyle(io, true), debug: false }, output: () => out };
}

/** The repository root (spec labels in captured output are relative to it, as when run from there). */
function repoRoot(): string {
  return fileURLToPath(new URL("../../../../", import.meta.url));
}

/**
 * Runs a command in-process from the repository root; returns `$ argv` and its output as a console
 * block. A non-zero exit throws, so the page never shows a failed run.
 */
export async function captured(
  argv: string,
  run: (ctx: CommandContext) => Promise<ExitCode>,
): Promise<string> {
  const { ctx, output } = captureContext(repoRoot());
  const rc = await run(ctx);
  if (rc !== ExitCode.ok) throw new Error(`merge report: \`${argv}\` exited ${rc}:\n${output()}`);
  return fenced("console", `$ ${argv}\n${output()}`);
}
