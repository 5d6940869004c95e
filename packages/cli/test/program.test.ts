import { ExecutionError } from "@fusegraph/backend-cpu";
import { issue, SpecError } from "@fusegraph/dsl";
import { describe, expect, it } from "vitest";
import { ExitCode, UsageError } from "../src/errors.js";
import { reportError } from "../src/program.js";
import { fakeIO, run, STACK_FRAME } from "./helpers.js";

const ALL_COMMANDS = [
  "check",
  "inspect",
  "list",
  "graph",
  "compare",
  "compile",
  "run",
  "verify",
  "equivalence",
  "schema",
  "main",
];

describe("fusegraph program", () => {
  it("--help lists every command and documents the exit codes", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    for (const cmd of ALL_COMMANDS) expect(r.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, "m"));
    expect(r.stdout).toMatch(/^Exit codes:$/m);
    expect(r.stdout).toMatch(/^\s+2\s+usage error/m);
  });

  it.each(ALL_COMMANDS)("%s --help shows examples", async (cmd) => {
    const r = await run([cmd, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: fusegraph ${cmd}`);
    expect(r.stdout).toMatch(/^Examples:$/m);
  });

  it("--version prints the package version", async () => {
    const r = await run(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    [["check"], /^fusegraph: error: missing required argument 'spec'\n$/],
    [["check", "x.yaml", "--bogus"], /^fusegraph: error: unknown option '--bogus'\n$/],
    [
      ["inspect", "x.yaml", "--jsn"],
      /^fusegraph: error: unknown option '--jsn' \(Did you mean --json\?\)\n$/,
    ],
    [["frobnicate"], /^fusegraph: error: unknown command 'frobnicate'/],
    [["schema", "extra"], /^fusegraph: error: too many arguments/],
    [
      ["verify", "x.yaml", "--seed", "-1"],
      /^fusegraph: error: option '--seed <n>' argument '-1' is invalid\. expected an integer >= 0\n$/,
    ],
    [["verify", "x.yaml", "--tolerance", "big"], /argument 'big' is invalid\. expected a positive number/],
    [["verify", "x.yaml", "--backend", "gpu"], /argument 'gpu' is invalid\. expected one of: wasm, cpu/],
    [["compile", "x.yaml"], /^fusegraph: error: required option '--out <dir>' not specified\n$/],
    [["compare", "x.yaml", "--merge", "sum"], /expected one of: add, concat, weightedAdd, conv1x1Add/],
    [["equivalence", "x.yaml"], /required option '--merge <id>' not specified/],
    [["graph", "x.yaml", "--format", "png"], /expected one of: svg, dot, mermaid/],
    [["run", "x.yaml", "--batch", "0", "--random"], /expected an integer >= 1/],
  ])("usage error %j exits 2 with one line", async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("no command at all is a usage error showing the help", async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Usage: fusegraph");
  });

  it("schema prints a JSON Schema that names the ops", async () => {
    const r = await run(["schema"]);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(typeof schema).toBe("object");
    for (const kind of ["conv2d", "add", "concat", "weightedAdd", "conv1x1Add"])
      expect(r.stdout).toContain(`"${kind}"`);
  });
});

describe("reportError", () => {
  it("prints an internal error as one line without a stack, exit 3", () => {
    const f = fakeIO();
    expect(reportError(new TypeError("x is undefined"), f.io, false)).toBe(ExitCode.internal);
    expect(f.stderr()).toBe(
      "fusegraph: error: internal error: x is undefined (a bug: rerun with --debug for the stack trace)\n",
    );
    expect(f.stderr()).not.toMatch(STACK_FRAME);
  });

  it("with json, an internal error also prints { ok: false, error: { code: internal } } on stdout", () => {
    const f = fakeIO();
    expect(reportError(new TypeError("x is undefined\nmore"), f.io, false, true)).toBe(ExitCode.internal);
    expect(JSON.parse(f.stdout())).toEqual({
      ok: false,
      error: { code: "internal", message: "x is undefined" },
    });
    expect(f.stderr()).not.toMatch(STACK_FRAME);
  });

  it("adds the stack trace with --debug", () => {
    const f = fakeIO();
    reportError(new TypeError("x is undefined"), f.io, true);
    expect(f.stderr()).toMatch(STACK_FRAME);
  });

  it("maps a usage error to exit 2", () => {
    const f = fakeIO();
    expect(reportError(new UsageError("bad"), f.io, false)).toBe(ExitCode.usage);
    expect(f.stderr()).toBe("fusegraph: error: bad\n");
  });

  it("with json, a spec error also prints its first error issue as { ok: false, error }", () => {
    const f = fakeIO();
    const err = new SpecError([
      issue("unused_node", ["nodes", "u"], 'node "u" is never used', { nodeId: "u" }),
      issue("shape_mismatch", ["nodes", "sum"], 'merge "sum" (add): input 2 has 32 channels', {
        nodeId: "sum",
        hint: "use concat",
      }),
    ]);
    expect(reportError(err, f.io, false, true)).toBe(ExitCode.failed);
    expect(f.stderr()).toBe(`fusegraph: error: ${err.message}\n`);
    expect(JSON.parse(f.stdout())).toEqual({
      ok: false,
      error: {
        code: "shape_mismatch",
        nodeId: "sum",
        message: 'merge "sum" (add): input 2 has 32 channels',
        hint: "use concat",
      },
    });
  });

  it("with json, a backend error without node or hint gives nulls; without json stdout stays empty", () => {
    const err = new ExecutionError("missing_input", 'no tensor for input "x"');
    const quiet = fakeIO();
    expect(reportError(err, quiet.io, false)).toBe(ExitCode.failed);
    expect(quiet.stdout()).toBe("");
    const f = fakeIO();
    expect(reportError(err, f.io, false, true)).toBe(ExitCode.failed);
    expect(f.stderr()).toBe('fusegraph: error: no tensor for input "x"\n');
    expect(JSON.parse(f.stdout())).toEqual({
      ok: false,
      error: { code: "missing_input", nodeId: null, message: 'no tensor for input "x"', hint: null },
    });
  });

  it("with json, a usage error prints { ok: false, error: { code: usage, message } }", () => {
    const f = fakeIO();
    expect(reportError(new UsageError("bad"), f.io, false, true)).toBe(ExitCode.usage);
    expect(JSON.parse(f.stdout())).toEqual({ ok: false, error: { code: "usage", message: "bad" } });
  });

  it("--json on the command line reaches commander's usage errors, not help or --json after --", async () => {
    const r = await run(["compare", "x.yaml", "--json", "--merge", "sum"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      error: {
        code: "usage",
        message: expect.stringMatching(/argument 'sum' is invalid\. expected one of: add, concat/),
      },
    });
    const help = await run(["compare", "--json", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: fusegraph compare");
    expect(help.stdout).not.toContain('"ok"');
    const after = await run(["check", "--", "--json"]);
    expect(after.code).toBe(2);
    expect(after.stdout).toBe("");
  });
});
