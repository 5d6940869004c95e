import { resolve } from "node:path";
import { listExamples } from "@fusegraph/examples";
import { describe, expect, it } from "vitest";
import { samplesDir } from "../src/spec-input.js";
import { MISMATCHED_ADD, run, STACK_FRAME } from "./helpers.js";

const sample = (name: string): string => resolve(samplesDir(), `${name}.yaml`);

describe("fusegraph check", () => {
  it.each(["tiny-fpn-two-ways", "tiny-unet", "tiny-hed"])(
    "accepts the bundled sample %s (exit 0)",
    async (name) => {
      const r = await run(["check", sample(name)]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^ok  .*${name}\\.yaml  "${name}": \\d+ nodes`, "m"));
    },
  );

  it("resolves bundled samples and examples by name, with an optional sample:/example: prefix", async () => {
    const bare = await run(["check", "tiny-unet"]);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toMatch(
      /^ok {2}.*samples\/tiny-unet\.yaml {2}"tiny-unet": \d+ nodes, merges: concat$/m,
    );
    const sample = await run(["check", "sample:tiny-hed"]);
    expect(sample.stdout).toMatch(/merges: weightedAdd$/m);
    const first = listExamples()[0];
    if (first) {
      const example = await run(["check", `example:${first.name}`]);
      expect(example.code).toBe(0);
      expect(example.stdout).toMatch(new RegExp(`^ok  example:${first.name}  `, "m"));
    }
    const missing = await run(["check", "sample:resnet50"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^fusegraph: error: no bundled sample named "resnet50" \(bundled: sample:tiny-fpn-two-ways, sample:tiny-hed, sample:tiny-unet\)\n$/,
    );
  });

  it("still takes the old sample:tiny-fpn, with one note naming the new name on stderr", async () => {
    const old = await run(["check", "sample:tiny-fpn"]);
    expect(old.code).toBe(0);
    expect(old.stderr).toBe("fusegraph: note: sample:tiny-fpn is now sample:tiny-fpn-two-ways\n");
    expect(old.stdout).toBe((await run(["check", "sample:tiny-fpn-two-ways"])).stdout);
    const json = await run(["inspect", "sample:tiny-fpn", "--json"]);
    expect(json.stderr).toBe("fusegraph: note: sample:tiny-fpn is now sample:tiny-fpn-two-ways\n");
    expect(JSON.parse(json.stdout).name).toBe("tiny-fpn-two-ways");
    // A bare name is the example, as before, without a note.
    const bare = await run(["check", "tiny-fpn"]);
    expect(bare.stderr).toBe("");
    expect(bare.stdout).toMatch(/^ok {2}example:tiny-fpn {2}/m);
  });

  it("prints every issue as file:line:col  code  message, its hint below, and exits 1", async () => {
    const r = await run(["check", "-"], { stdin: MISMATCHED_ADD });
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n");
    const at = lines.findIndex((l) => /^<stdin>:\d+:\d+ {2}shape_mismatch {2}/.test(l));
    expect(at).toBeGreaterThanOrEqual(0);
    // The issue points into the add node's line and names the node and both inputs.
    expect(lines[at]).toMatch(/^<stdin>:8:\d+/);
    expect(lines[at]).toContain('"sum"');
    expect(lines[at]).toContain('"b"');
    expect(lines[at + 1]).toMatch(/^\s+hint: /);
    expect(r.stdout).toMatch(/^invalid {2}<stdin>: 1 error, 0 warnings$/m);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it("--json gives ok, and each issue with code, severity, path, line, column, nodeId, message, hint", async () => {
    const r = await run(["check", "-", "--json"], { stdin: MISMATCHED_ADD });
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stdout) as { ok: boolean; issues: Record<string, unknown>[] };
    expect(body.ok).toBe(false);
    expect(body.issues.length).toBeGreaterThan(0);
    const first = body.issues[0]!;
    for (const key of ["code", "severity", "path", "line", "column", "nodeId", "message", "hint"]) {
      expect(first).toHaveProperty(key);
    }
    expect(first.code).toBe("shape_mismatch");
    expect(first.line).toBe(8);
    expect(first.nodeId).toBe("sum");
  });

  it("--json on a valid spec is ok with no errors", async () => {
    const r = await run(["check", sample("tiny-hed"), "--json"]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { ok: boolean; issues: { severity: string }[] };
    expect(body.ok).toBe(true);
    expect(body.issues.filter((i) => i.severity === "error")).toEqual([]);
  });

  it("reports a YAML syntax error with its position", async () => {
    const r = await run(["check", "-"], { stdin: "fusegraph: 1\nname: x\ninputs: [unclosed\n" });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^<stdin>:\d+:\d+ {2}parse_error {2}/m);
  });

  it("prints warnings but still exits 0", async () => {
    const spec = [
      "fusegraph: 1",
      "name: with-unused",
      "inputs:",
      "  x: [4, 4, 2]",
      "nodes:",
      "  used: { op: conv2d, input: x, filters: 2, kernelSize: 1 }",
      "  spare: { op: conv2d, input: x, filters: 2, kernelSize: 1 }",
      "outputs: [used]",
      "",
    ].join("\n");
    const r = await run(["check", "-"], { stdin: spec });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<stdin>:7:\d+ {2}warning unused_node {2}/m);
    expect(r.stdout).toMatch(/\(1 warning\)$/m);
  });

  it("treats a missing file as a usage error (exit 2, one line)", async () => {
    const r = await run(["check", "does/not/exist.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe('fusegraph: error: cannot read spec file "does/not/exist.yaml": no such file\n');
  });

  it("treats a directory as a usage error", async () => {
    const r = await run(["check", samplesDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^fusegraph: error: cannot read spec file ".*": it is a directory\n$/);
  });

  it("treats an unknown name as a usage error listing the bundled names", async () => {
    const r = await run(["check", "no-such-model"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^fusegraph: error: no spec file or bundled example named "no-such-model" \(bundled: .*tiny-fpn/,
    );
  });
});

/** A spec whose header and one input are fixed, with the given body lines after `nodes:`. */
function hostile(body: string[], inputs = "  x: [4, 4, 2]", head: string[] = []): string {
  return ["fusegraph: 1", "name: hostile", ...head, "inputs:", inputs, "nodes:", ...body, ""].join("\n");
}

const aliasBomb = (): string => {
  const rows = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let k = 1; k < 10; k++)
    rows.push(
      `a${k}: &a${k} [${Array(10)
        .fill(`*a${k - 1}`)
        .join(",")}]`,
    );
  return hostile(["  y: { op: activation, input: x, fn: relu }", "outputs: [y]"], "  x: [4, 4, 2]", rows);
};

const chain = (n: number): string =>
  hostile([
    ...Array.from(
      { length: n },
      (_, k) => `  n${k}: { op: activation, input: ${k === 0 ? "x" : `n${k - 1}`}, fn: relu }`,
    ),
    "  dangling: { op: activation, input: nowhere, fn: relu }",
    `outputs: [n${n - 1}, dangling]`,
  ]);

// Issue 2's hostile inputs through the command a user runs: exit 1, located issues, no stack trace, quick.
describe("fusegraph check on hostile specs", () => {
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  it.each([
    [
      "duplicate keys",
      hostile([
        "  y: { op: activation, input: x, fn: relu, fn: tanh }",
        "  y: { op: activation, input: x, fn: relu }",
        "outputs: [y]",
      ]),
      ["parse_error", "duplicate_id"],
    ],
    ["an alias bomb", aliasBomb(), ["limit_exceeded"]],
    [
      "__proto__ and constructor as ids and keys",
      hostile(
        [
          "  __proto__: { op: activation, input: x, fn: relu }",
          "  constructor: { op: activation, input: x, fn: relu, __proto__: { polluted: true } }",
          "outputs: [constructor]",
        ],
        "  prototype: [4, 4, 2]\n  x: [4, 4, 2]",
      ),
      ["invalid_spec"],
    ],
    [
      "a 10^12-element tensor",
      hostile(["  y: { op: activation, input: x, fn: relu }", "outputs: [y]"], "  x: [1000000, 1000000, 1]"),
      ["limit_exceeded"],
    ],
    [
      "a block that uses itself",
      hostile(["  y: { use: loop, input: x }", "outputs: [y]"], "  x: [4, 4, 2]", [
        "blocks:",
        "  loop:",
        "    inputs: [in]",
        "    nodes:",
        "      again: { use: loop, input: in }",
        "    output: again",
      ]),
      ["block_error"],
    ],
    [
      "a 4,000-node chain with one bad ref (under the default 256 KiB text bound)",
      chain(4_000),
      ["unknown_ref"],
    ],
  ])("%s: exit 1 with its issues", async (_what, text, codes) => {
    const t0 = performance.now();
    const r = await run(["check", "-", "--json"], { stdin: text });
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    const body = JSON.parse(r.stdout) as { ok: boolean; issues: { code: string; line?: number }[] };
    expect(body.ok).toBe(false);
    expect(
      [...new Set(body.issues.filter((i) => i.code !== "unused_node").map((i) => i.code))].sort(),
    ).toEqual([...codes].sort());
    for (const i of body.issues) expect(i.line).toBeGreaterThan(0);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const text2 = await run(["check", "-"], { stdin: text });
    expect(text2.code).toBe(1);
    expect(text2.stdout).toMatch(/^<stdin>:\d+:\d+ {2}\w+ {2}\S/m);
    expect(`${text2.stdout}${text2.stderr}`).not.toMatch(STACK_FRAME);
  });
});
