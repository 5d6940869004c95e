import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CliIO, runCli } from "@fusegraph/cli";
import { validateSpec } from "@fusegraph/dsl";
import type { Case } from "./cases.js";
import { isSmall } from "./check-backends.js";
import { ContractError } from "./check-dsl.js";

/** A stack frame line as Node prints it: never allowed in the CLI's output without --debug. */
export const STACK_FRAME = /^\s+at\s/m;

/** What one in-process CLI call printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process in `cwd` with plain output, as a user's shell would (without --debug). */
export async function cli(argv: readonly string[], cwd: string): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = {
    stdout: {
      write: (s) => {
        stdout += s;
      },
      isTTY: false,
    },
    stderr: {
      write: (s) => {
        stderr += s;
      },
      isTTY: false,
    },
    env: { NO_COLOR: "1" },
    cwd,
    readStdin: async () => "",
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** Commands that only read and analyse the spec: cheap on any document. */
const LIGHT: readonly (readonly string[])[] = [
  ["check"],
  ["check", "--json"],
  ["inspect"],
  ["inspect", "--json"],
  ["graph", "--format", "svg"],
  ["graph", "--format", "mermaid", "--expand"],
  ["compare", "--merge", "concat"],
  ["compare", "--merge", "conv1x1Add", "--json"],
];

/** Commands that build weights, compile or run: on invalid or small documents only. */
const HEAVY: readonly ((out: string, add: string) => readonly string[])[] = [
  (out) => ["compile", "--backend", "cpu", "--out", `${out}-cpu`, "--force"],
  (out) => ["compile", "--backend", "tfjs", "--out", `${out}-tfjs`, "--force"],
  () => ["run", "--random", "--backend", "cpu", "--json"],
  () => ["run", "--random", "--backend", "tfjs", "--runtime", "cpu"],
  () => ["verify", "--backend", "cpu", "--json"],
  (_, add) => ["equivalence", "--merge", add, "--runtime", "cpu"],
];

/**
 * What is wrong with one command's result, or undefined: an exit code other than 0, 1 or 2 (3 is an
 * internal error), a stack trace in the output, or `check` disagreeing with the dsl (`dslValid`).
 */
export function cliProblem(argv: readonly string[], res: CliResult, dslValid: boolean): string | undefined {
  const said = `\`fusegraph ${argv.join(" ")}\``;
  if (![0, 1, 2].includes(res.code)) return `${said} exited ${res.code}:\n${res.stderr.slice(0, 2000)}`;
  if (STACK_FRAME.test(res.stderr) || STACK_FRAME.test(res.stdout))
    return `${said} printed a stack trace:\n${res.stderr.slice(0, 2000)}`;
  if (argv[0] === "check" && (res.code === 0) !== dslValid)
    return `${said} exited ${res.code} but the dsl says the spec is ${dslValid ? "valid" : "invalid"}`;
  return undefined;
}

/** How many commands ran, and how many of them were heavy. */
export interface CliOutcome {
  commands: number;
  heavy: number;
}

/**
 * The CLI's contract for one document, written to a file in `dir`: every command exits 0, 1 or 2,
 * never 3 (an internal error), prints no stack trace, and `check` agrees with the dsl on validity.
 */
export async function checkCli(c: Case, dir: string, index: number): Promise<CliOutcome> {
  const text = c.text ?? "";
  const file = join(dir, `doc${index}.${c.format === "json" ? "json" : "yaml"}`);
  writeFileSync(file, text);
  const r = validateSpec(text, { ...c.opts, filename: file, format: c.format === "json" ? "json" : "yaml" });
  const heavy = !r.ok || isSmall(r.graph);
  // equivalence rewrites one add merge: name the graph's first, or an id that is not there.
  const add = (r.ok && r.graph.nodes.find((n) => n.kind === "add")?.id) || "m";
  const argvs = [...LIGHT, ...(heavy ? HEAVY.map((h) => h(join(dir, `out${index}`), add)) : [])];
  for (const argv of argvs) {
    const [command, ...rest] = argv;
    const full = [command!, file, ...rest];
    const res = await cli(full, dir);
    const problem = cliProblem(full, res, r.ok);
    if (problem) throw new ContractError(`${c.label}: ${problem}`);
  }
  return { commands: argvs.length, heavy: heavy ? HEAVY.length : 0 };
}
