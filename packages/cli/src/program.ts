import { readFileSync } from "node:fs";
import { type Limits, LimitsError, SpecError } from "@fusegraph/dsl";
import { Command, CommanderError } from "commander";
import { registerAblate } from "./commands/ablate.js";
import { registerCheck } from "./commands/check.js";
import { registerCompare } from "./commands/compare.js";
import { registerCompile } from "./commands/compile.js";
import { registerDocs } from "./commands/docs.js";
import { registerEquivalence } from "./commands/equivalence.js";
import { registerGraph } from "./commands/graph.js";
import { registerInit } from "./commands/init.js";
import { registerInspect } from "./commands/inspect.js";
import { registerList } from "./commands/list.js";
import { registerMain } from "./commands/main-job.js";
import { registerRun } from "./commands/run.js";
import { registerSchema } from "./commands/schema.js";
import { registerTrain } from "./commands/train.js";
import { registerVerify } from "./commands/verify.js";
import type { CommandContext } from "./context.js";
import { ExitCode, UsageError } from "./errors.js";
import { parseLimit } from "./options.js";
import { type CliIO, makeStyle, writeJson } from "./output.js";

/** Every subcommand, in the order `--help` lists them. */
const COMMANDS = [
  registerCheck,
  registerInspect,
  registerList,
  registerGraph,
  registerCompare,
  registerCompile,
  registerRun,
  registerVerify,
  registerEquivalence,
  registerTrain,
  registerAblate,
  registerSchema,
  registerDocs,
  registerInit,
  registerMain,
];

function version(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    const v = (pkg as { version?: unknown }).version;
    return typeof v === "string" ? v : "unknown";
  } catch {
    return "unknown";
  }
}

const HELP_AFTER = `
Specs:
  <spec> is a YAML or JSON spec file, a JavaScript module (.js, .mjs) whose default or "spec"
  export is a builder from @fusegraph/dsl's spec() or a spec object (compile .ts files to .mjs
  first), - for standard input, or the name of a bundled example (resnet50, densenet121, ...)
  or sample spec (tiny-unet, tiny-hed, ...). A bare name is tried as an example first; write
  example:<name> or sample:<name> to choose.

Examples:
  $ fusegraph check model.yaml
  $ fusegraph inspect tiny-unet
  $ fusegraph list
  $ fusegraph compare unet --merge add
  $ fusegraph compile tiny-unet --backend tfjs --out build/tiny-unet
  $ fusegraph verify tiny-fpn
  $ fusegraph run tiny-hed --random --out edges.npy
  $ fusegraph graph tiny-fpn --out tiny-fpn.svg
  $ fusegraph train sample:tiny-unet --task shapes --epochs 3 --out runs/unet   # long
  $ fusegraph ablate sample:tiny-unet --merge concat,add --task shapes   # long
  $ fusegraph main                     # long: every example, a few minutes

Exit codes:
  0  ok (warnings may have been printed)
  1  a spec is invalid; a check failed (verify or equivalence above tolerance, a merge switch
     that does not fit); a backend could not compile or run the graph; a main-job step failed
  2  usage error: unknown command or option, bad option value, missing argument, unreadable spec,
     input or weights file, or an existing output directory without --force
  3  internal error (a bug in fusegraph; rerun with --debug for the stack trace)
  130  interrupted by Ctrl-C (train, ablate: the last complete checkpoint is kept)

Environment:
  NO_COLOR, CI or a non-terminal stdout give plain output; FORCE_COLOR forces colour;
  FUSEGRAPH_DEBUG=1 is the same as --debug.`;

function isDebug(argv: readonly string[], io: CliIO): boolean {
  const env = io.env.FUSEGRAPH_DEBUG;
  return argv.includes("--debug") || (env !== undefined && env !== "" && env !== "0");
}

/**
 * Builds the `fusegraph` program. Output goes through `io`; `setExitCode` receives each command's
 * result. Commander's own errors are thrown (exitOverride) so {@link runCli} maps them to exit code 2.
 */
export function createProgram(io: CliIO, setExitCode: (code: ExitCode) => void): Command {
  const program = new Command("fusegraph");
  program
    .description(
      "Neural-network graphs from declarative specs, with feature fusion (merges) as first-class nodes.",
    )
    .usage("<command> [options]")
    .version(version(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help for a command")
    .option("--debug", "print stack traces for internal errors")
    .option("--no-color", "plain output without colour")
    .exitOverride()
    // NOTE: descriptions are laid out by hand in lines under 110 characters; commander's default
    // wrap at 80 columns would break them mid-sentence.
    .configureHelp({ helpWidth: 110 })
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // NOTE: commander says `error: …` and may put a suggestion on a second line; make it one line.
      outputError: (s, write) => write(`fusegraph: ${s.trim().replace(/\s*\n\s*/g, " ")}\n`),
    })
    .addHelpText("after", HELP_AFTER);

  // The running command's --limit values, set by the preAction hook below (per program, not global).
  let limits: Partial<Limits> | undefined;
  const ctx = (): CommandContext => {
    const opts = program.opts<{ debug?: boolean; color?: boolean }>();
    return {
      io,
      style: makeStyle(io, opts.color === false),
      debug: opts.debug === true || isDebug([], io),
      ...(limits ? { limits } : {}),
    };
  };
  // Subcommands inherit exitOverride and configureOutput because they are created after them.
  for (const register of COMMANDS) register(program, ctx, setExitCode);
  for (const cmd of program.commands) {
    if (!cmd.registeredArguments.some((a) => a.name() === "spec")) continue;
    cmd.option(
      "--limit <name=value>",
      "raise or lower a limit of the spec checks for this run (repeatable), e.g. --limit maxNodes=50000;\n" +
        "see docs/limits.md for the names, defaults and ceilings",
      parseLimit,
    );
  }
  program.hook("preAction", (_program, action) => {
    limits = action.opts<{ limit?: Partial<Limits> }>().limit;
  });
  return program;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<ExitCode> {
  let code: ExitCode = ExitCode.ok;
  const program = createProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (err) {
    return reportError(err, io, isDebug(argv, io), wantsJson(argv));
  }
}

/** The command was asked for JSON: `--json` among the options (not after a `--`). */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).includes("--json");
}

/** What `--json` prints on stdout when a command fails with an error rather than a report. */
export interface ErrorJson {
  ok: false;
  error: { code: string; nodeId: string | null; message: string; hint: string | null };
}

function stringField(err: Error, key: string): string | null {
  const v: unknown = (err as unknown as Record<string, unknown>)[key];
  return typeof v === "string" ? v : null;
}

/**
 * A SpecError or backend error as JSON: the first error issue's fields, or the backend error's `code`,
 * `nodeId` and `hint` (its message without the hint line it carries for stderr).
 */
export function errorJson(err: Error): ErrorJson {
  if (err instanceof SpecError) {
    const first = err.issues.find((i) => i.severity === "error") ?? err.issues[0];
    return {
      ok: false,
      error: {
        code: first?.code ?? "invalid_spec",
        nodeId: first?.nodeId ?? null,
        message: first?.message ?? err.message,
        hint: first?.hint ?? null,
      },
    };
  }
  const hint = stringField(err, "hint");
  return {
    ok: false,
    error: {
      code: stringField(err, "code") ?? err.name,
      nodeId: stringField(err, "nodeId"),
      message: err.message.split("\n")[0] ?? err.message,
      hint,
    },
  };
}

/** Commander's codes for help and version output, which end the run without a usage error. */
const COMMANDER_NOT_ERRORS: ReadonlySet<string> = new Set([
  "commander.help",
  "commander.helpDisplayed",
  "commander.version",
]);

/**
 * The backends' typed errors (matched by name, so this module need not load the backends): a graph
 * tfjs layers cannot express, or inputs and weights a backend refuses. Their messages name the node.
 */
const BACKEND_ERRORS: ReadonlySet<string> = new Set(["CompileError", "ExecutionError", "ModelIoError"]);
/**
 * The exporters' refusals (backend-onnx, backend-pytorch, matched by name): a node or an option the
 * target format cannot express. One line naming the node, with the hint the error carries.
 */
const EXPORT_ERRORS: ReadonlySet<string> = new Set(["OnnxExportError", "PytorchExportError"]);

/**
 * One clear line per failure; a stack trace only for internal errors and only with --debug. With `json`
 * (the command was given --json) a usage, spec or backend error is also printed on stdout as
 * `{ ok: false, error }`, so a script reading stdout always gets JSON for them.
 */
export function reportError(err: unknown, io: CliIO, debug: boolean, json = false): ExitCode {
  if (err instanceof CommanderError) {
    // Help and version end in a CommanderError too; commander has already printed them or the message.
    if (err.exitCode === 0) return ExitCode.ok;
    if (json && !COMMANDER_NOT_ERRORS.has(err.code)) {
      const message = err.message.replace(/^error: /, "").replace(/\s*\n\s*/g, " ");
      writeJson(io, { ok: false, error: { code: "usage", message } });
    }
    return ExitCode.usage;
  }
  // OutputDirError (@fusegraph/dsl/node, matched by name): an output path that is refused or cannot be written.
  if (
    err instanceof UsageError ||
    err instanceof LimitsError ||
    (err instanceof Error && err.name === "OutputDirError")
  ) {
    io.stderr.write(`fusegraph: error: ${err.message}\n`);
    if (json) writeJson(io, { ok: false, error: { code: "usage", message: err.message } });
    return ExitCode.usage;
  }
  if (err instanceof Error && EXPORT_ERRORS.has(err.name)) {
    const first = err.message.split("\n")[0] ?? err.message;
    const hint = stringField(err, "hint");
    io.stderr.write(
      `fusegraph: error: ${hint && !first.includes(hint) ? `${first} (hint: ${hint})` : first}\n`,
    );
    if (json) writeJson(io, errorJson(err));
    return ExitCode.failed;
  }
  if (err instanceof SpecError || (err instanceof Error && BACKEND_ERRORS.has(err.name))) {
    io.stderr.write(`fusegraph: error: ${err.message}\n`);
    if (json) writeJson(io, errorJson(err));
    return ExitCode.failed;
  }
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split("\n")[0];
  if (debug && err instanceof Error && err.stack) {
    io.stderr.write(`fusegraph: error: internal error: ${first}\n${err.stack}\n`);
  } else {
    io.stderr.write(
      `fusegraph: error: internal error: ${first} (a bug: rerun with --debug for the stack trace)\n`,
    );
  }
  if (json) writeJson(io, { ok: false, error: { code: "internal", message: first ?? "" } });
  return ExitCode.internal;
}

/** The real process's streams and environment. */
export function nodeIO(): CliIO {
  return {
    stdout: { write: (s) => void process.stdout.write(s), isTTY: process.stdout.isTTY === true },
    stderr: { write: (s) => void process.stderr.write(s), isTTY: process.stderr.isTTY === true },
    env: process.env,
    cwd: process.cwd(),
    async readStdin() {
      if (process.stdin.isTTY) {
        throw new UsageError("standard input is a terminal: pipe a spec into `-`, or give a file");
      }
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
  };
}
