import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, STACK_FRAME } from "./helpers.js";

// Whatever `check` accepts, both backends run (verify compares them), or `check` says up front which
// node tfjs cannot express and compile/verify refuse naming that node: never an internal error (exit 3).

const SPECS: Record<string, string> = {
  "unused.yaml": `fusegraph: 1
name: unused
inputs: { x: [5, 5, 2] }
nodes:
  a: { op: conv2d, input: x, filters: 3, kernelSize: 3, padding: same }
  dead: { op: conv2d, input: x, filters: 2, kernelSize: 1 }
outputs: [a]
`,
  "twice.yaml": `fusegraph: 1
name: twice
inputs: { x: [4, 4, 2] }
nodes:
  a: { op: conv2d, input: x, filters: 3, kernelSize: 3, padding: same }
outputs: [a, a]
`,
  "flat.yaml": `fusegraph: 1
name: flat
inputs: { v: [6] }
nodes:
  f: { op: flatten, input: v }
  d: { op: dense, input: f, units: 3 }
outputs: [d]
`,
  "atrous.yaml": `fusegraph: 1
name: atrous
inputs: { x: [16, 16, 2] }
nodes:
  stem: { op: conv2d, input: x, filters: 2, kernelSize: 3 }
  c1: { op: conv2d, input: stem, filters: 2, kernelSize: 3, strides: 2, dilation: 2 }
outputs: [c1]
`,
};

let dir = "";
const inDir = (argv: string[]) => run(argv, { cwd: dir });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fusegraph-consistency-"));
  for (const [name, text] of Object.entries(SPECS)) writeFileSync(join(dir, name), text);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface CheckJson {
  ok: boolean;
  issues: { code: string; severity: string; nodeId: string | null; line: number | null; message: string }[];
  backends: { tfjs: { ok: boolean | null } };
}

describe("specs tfjs once refused", () => {
  it.each([
    ["unused.yaml", ["unused_node"]],
    ["twice.yaml", []],
    ["flat.yaml", []],
  ])(
    "%s: check accepts it for tfjs, compile writes a model and verify finds the backends agree",
    async (file, warnings) => {
      const check = await inDir(["check", file, "--json"]);
      expect(check.code).toBe(0);
      const body = JSON.parse(check.stdout) as CheckJson;
      expect(body.backends).toEqual({ tfjs: { ok: true } });
      expect(body.issues.map((i) => i.code)).toEqual(warnings);

      const compiled = await inDir(["compile", file, "--out", `model-${file}`, "--json"]);
      expect(compiled.stderr).not.toMatch(/error/);
      expect(compiled.code).toBe(0);

      const verify = await inDir(["verify", file, "--backend", "cpu", "--json"]);
      expect(verify.code).toBe(0);
      const v = JSON.parse(verify.stdout) as { ok: boolean; outputs: { id: string; maxRelError: number }[] };
      expect(v.ok).toBe(true);
      expect(v.outputs.map((o) => o.id)).toEqual(
        file === "twice.yaml" ? ["a", "a"] : [file === "flat.yaml" ? "d" : "a"],
      );
      for (const o of v.outputs) expect(o.maxRelError).toBeLessThan(1e-4);
    },
  );
});

describe("a node tfjs cannot express", () => {
  const named = 'tfjs cannot express node "c1": conv2d with strides [2,2] and dilation [2,2]';

  it("check warns naming the backend and the node (exit 0: backend-cpu runs it)", async () => {
    const r = await inDir(["check", "atrous.yaml"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`atrous.yaml:6:3  warning backend_unsupported  ${named}`);
    expect(r.stdout).toMatch(/^ok {2}atrous\.yaml {2}"atrous": 2 nodes, merges: none \(1 warning\)$/m);
    const json = JSON.parse((await inDir(["check", "atrous.yaml", "--json"])).stdout) as CheckJson;
    expect(json.ok).toBe(true);
    expect(json.backends).toEqual({ tfjs: { ok: false } });
    expect(json.issues).toMatchObject([
      { code: "backend_unsupported", severity: "warning", nodeId: "c1", line: 6 },
    ]);
  });

  it("compile, verify and run on tfjs refuse it naming the same node (exit 1, no trace); cpu runs it", async () => {
    for (const argv of [
      ["compile", "atrous.yaml", "--out", "never"],
      ["verify", "atrous.yaml", "--backend", "cpu"],
      ["run", "atrous.yaml", "--backend", "tfjs", "--random"],
    ]) {
      const r = await inDir(argv);
      expect(r.code, argv.join(" ")).toBe(1);
      expect(r.stderr).toMatch(
        /^fusegraph: error: node "c1": conv2d with strides \[2,2\] and dilation \[2,2\]/,
      );
      expect(r.stderr).not.toMatch(STACK_FRAME);
    }
    const cpu = await inDir(["run", "atrous.yaml", "--random", "--json"]);
    expect(cpu.code).toBe(0);
    expect(JSON.parse(cpu.stdout)).toMatchObject({ ok: true, outputs: [{ id: "c1", shape: [1, 5, 5, 2] }] });
  });
});
