/**
 * The API for a program that embeds the `fusegraph` command: run it in-process with its own streams
 * and read the exit code. Everything else in this package is the CLI's internal machinery.
 */

/** The exit codes `runCli` resolves to (0 ok, 1 failed, 2 usage, 3 internal), as values and as a type. */
export { ExitCode } from "./errors.js";
/** Where the CLI writes, how it reads `-`, the environment it honours, the directory paths resolve in. */
/** One output stream of a {@link CliIO}: `write` and whether it is a terminal. */
export type { CliIO, Writer } from "./output.js";
/** What `--json` prints on stdout when a command fails with an error rather than a report. */
export type { ErrorJson } from "./program.js";
/** Runs the CLI on an argv array (without node and script) and resolves to its exit code; never throws. */
/** A {@link CliIO} on the real process's stdout, stderr, stdin, environment and working directory. */
export { nodeIO, runCli } from "./program.js";
