import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LIMIT_NAMES, LIMITS } from "@fusegraph/dsl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, ensureBuilt, ONE_CONV, type Spawned, STACK_FRAME, spawnPlain } from "./helpers.js";

// `--limit name=value` through the built CLI, as a user meets it.
let tmp = "";

function cli(args: string[]): Spawned {
  return spawnPlain(process.execPath, [CLI_BIN, ...args], tmp);
}

/** A chain of `repeat` relu instances: 3 ids each (the node and the aliases for the instance). */
const chain = (repeat: number) =>
  [
    "fusegraph: 1",
    "name: chain",
    "inputs: { x: [4] }",
    "blocks:",
    "  b:",
    "    inputs: [i]",
    "    nodes: { r: { op: activation, input: i, fn: relu } }",
    "    output: r",
    "nodes:",
    `  u: { use: b, input: x, repeat: ${repeat} }`,
    "outputs: [u]",
    "",
  ].join("\n");

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), "fusegraph-limits-"));
  writeFileSync(join(tmp, "big.yaml"), chain(LIMITS.maxNodes));
  writeFileSync(join(tmp, "one.yaml"), ONE_CONV);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("fusegraph --limit", () => {
  it("a spec over the default node limit fails with limit_exceeded; --limit maxNodes admits it", () => {
    const refused = cli(["check", "big.yaml", "--json"]);
    expect(refused.code).toBe(1);
    const issues = (JSON.parse(refused.stdout) as { issues: { code: string }[] }).issues;
    expect(issues.map((i) => i.code)).toEqual(["limit_exceeded"]);
    const raised = cli(["check", "big.yaml", "--limit", `maxNodes=${LIMITS.maxNodes * 4}`]);
    expect(raised.stderr).toBe("");
    expect(raised.code).toBe(0);
    // `_` separators are taken; the later of two values for one name wins.
    const twice = cli(["check", "big.yaml", "--limit", "maxNodes=5", "--limit", "maxNodes=1_000_000"]);
    expect(twice.code).toBe(0);
  });

  it("reaches the commands that load a graph (graph, inspect) as well as check", () => {
    for (const args of [
      ["graph", "one.yaml", "--format", "dot"],
      ["inspect", "one.yaml"],
    ]) {
      expect(cli(args).code, args.join(" ")).toBe(0);
      const lowered = cli([...args, "--limit", "maxElements=3"]);
      expect(lowered.code, args.join(" ")).toBe(1);
      expect(lowered.stderr).toContain("limit_exceeded");
    }
  });

  it("a bad name or value is a one-line usage error (exit 2) listing the valid names", () => {
    for (const bad of [
      "maxNode=5",
      "maxNodes=0",
      "maxNodes=1.5",
      "maxNodes",
      "maxCount=9007199254740992",
      "=3",
    ]) {
      const r = cli(["check", "one.yaml", "--limit", bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trim().split("\n");
      expect(lines, bad).toHaveLength(1);
      expect(lines[0]).toContain(`valid names: ${LIMIT_NAMES.join(", ")}`);
      expect(r.stderr).not.toMatch(STACK_FRAME);
    }
    // Control: a good value of the same form passes.
    expect(cli(["check", "one.yaml", "--limit", "maxNodes=5"]).code).toBe(0);
  });

  it("is listed in the help of every command that reads a spec, and only those", () => {
    for (const cmd of ["check", "inspect", "graph", "compare", "compile", "run", "verify", "equivalence"]) {
      expect(cli([cmd, "--help"]).stdout, cmd).toContain("--limit <name=value>");
    }
    for (const cmd of ["list", "schema", "init"]) {
      expect(cli([cmd, "--help"]).stdout, cmd).not.toContain("--limit");
    }
  });
});
