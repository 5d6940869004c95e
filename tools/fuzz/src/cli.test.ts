import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Case, damagedCase, mutantCase, smallCase, yamlFeatureCase } from "./cases.js";
import { checkCli, cli, cliProblem } from "./check-cli.js";
import { checkProperty, fuzzEnv, runsFrom, Slowest } from "./report.js";
import { REPO_ROOT } from "./seeds.js";

const RUNS = runsFrom("FUSEGRAPH_FUZZ_CLI_RUNS", 30);
const env = fuzzEnv();
let dir = "";

beforeAll(() => {
  // NOTE: inside the repository, so a document's `imports:` of @fusegraph/blocks resolve as they do
  // from the bundled specs (a directory under /tmp finds no node_modules).
  dir = mkdtempSync(join(REPO_ROOT, "tools/fuzz/.scratch-"));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Text documents: hostile ones for every command, small ones so compile, run and verify do real work. */
const cliCase: fc.Arbitrary<Case> = fc.oneof(mutantCase, damagedCase, yamlFeatureCase, smallCase, smallCase);

describe("CLI fuzzer", () => {
  it(`no command exits 3 or prints a stack trace on a fuzzed document (${RUNS} documents)`, async () => {
    console.log(`fuzz cli: FUSEGRAPH_FUZZ_SEED=${env.seed} FUSEGRAPH_FUZZ_CLI_RUNS=${RUNS}`);
    const slowest = new Slowest();
    let commands = 0;
    let heavy = 0;
    let index = 0;
    const t0 = performance.now();
    await checkProperty(
      "cli",
      fc.asyncProperty(cliCase, async (c) => {
        const t = performance.now();
        const out = await checkCli(c, dir, index++);
        slowest.add(performance.now() - t, c);
        commands += out.commands;
        heavy += out.heavy;
      }),
      RUNS,
      env,
    );
    const s = (performance.now() - t0) / 1000;
    console.log(
      [
        `fuzz cli: ${RUNS} documents, ${commands} commands (${heavy} compile/run/verify/equivalence) in ${s.toFixed(1)} s`,
        "fuzz cli: slowest documents (all commands):",
        ...slowest.lines(),
      ].join("\n"),
    );
    expect(heavy).toBeGreaterThan(0);
  }, 900_000);

  it("the checker fails an exit 3, a stack trace and a check that disagrees with the dsl (negative controls)", async () => {
    const ok = { code: 0, stdout: "", stderr: "" };
    expect(cliProblem(["inspect", "a.yaml"], ok, false)).toBeUndefined();
    expect(cliProblem(["inspect", "a.yaml"], { ...ok, code: 3 }, true)).toMatch(/exited 3/);
    const trace = "fusegraph: internal error\n    at f (file.js:1:2)\n";
    expect(cliProblem(["graph", "a.yaml"], { ...ok, code: 1, stderr: trace }, true)).toMatch(/stack trace/);
    expect(cliProblem(["check", "a.yaml"], ok, false)).toMatch(/the dsl says the spec is invalid/);
    expect(cliProblem(["check", "a.yaml"], { ...ok, code: 1 }, true)).toMatch(
      /the dsl says the spec is valid/,
    );
    // The real CLI, on a valid and an invalid document: check agrees with the dsl, nothing exits 3.
    const valid =
      "fusegraph: 1\nname: t\ninputs: { x: [2] }\nnodes:\n  d: { op: dense, input: x, units: 1 }\noutputs: [d]\n";
    const good: Case = { label: "valid", input: valid, text: valid, format: "yaml" };
    await expect(checkCli(good, dir, 9_999)).resolves.toMatchObject({ heavy: 6 });
    const r = await cli(["check", join(dir, "doc9999.yaml")], dir);
    expect(r.code).toBe(0);
    const bad = valid.replace("units: 1", "units: -1");
    const broken = await cli(["check", join(dir, "absent.yaml")], dir);
    expect(broken.code).toBe(2);
    await expect(
      checkCli({ label: "invalid", input: bad, text: bad, format: "yaml" }, dir, 9_998),
    ).resolves.toBeDefined();
    expect((await cli(["check", join(dir, "doc9998.yaml")], dir)).code).toBe(1);
  }, 120_000);
});
