import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, run, STACK_FRAME } from "./helpers.js";
import { describeRun, removeScratch, scratchDir, shellLine } from "./scratch.js";

// Spec modules: a .js/.mjs file exporting a builder or a spec object is loaded with import(); a .ts file
// is refused with how to compile it. Before, every one of these was parsed as YAML (~25 syntax errors).
let dir = "";

/** A plain spec object: an add of a 1x1 conv (3 -> 3 channels, 12 params) and the input. */
const DOC = {
  fusegraph: 1,
  name: "from-module",
  inputs: { x: [4, 4, 3] },
  nodes: {
    a: { op: "conv2d", input: "x", filters: 3, kernelSize: 1 },
    s: { merge: "add", inputs: ["a", "x"] },
  },
  outputs: ["s"],
};
const BAD_DOC = { ...DOC, nodes: { ...DOC.nodes, a: { ...DOC.nodes.a, filters: 5 } } };

function write(name: string, text: string): void {
  writeFileSync(join(dir, name), text);
}

beforeAll(() => {
  dir = scratchDir("spec-modules");
  write("plain.mjs", `export default ${JSON.stringify(DOC)};\n`);
  write("named.js", `export const spec = ${JSON.stringify(DOC)};\nexport const other = 1;\n`);
  write(
    "builder-like.mjs",
    `export default { toDocument() { return ${JSON.stringify({ ...DOC, name: "built" })}; } };\n`,
  );
  write("bad.mjs", `export default ${JSON.stringify(BAD_DOC)};\n`);
  write("throws.mjs", 'throw new RangeError("width must be positive");\nexport default {};\n');
  write("nothing.mjs", "export const width = 64;\nexport function helper() {}\n");
  write("empty.mjs", "\n");
  write("builder.ts", 'import { spec } from "@fusegraph/dsl";\nexport default spec("x");\n');
  write("to-document-throws.mjs", 'export default { toDocument() { throw new Error("no outputs"); } };\n');
});

afterAll(() => removeScratch(dir));

describe("spec modules, in process", () => {
  it("a default export of a spec object is checked like the same YAML", async () => {
    const r = await run(["check", "plain.mjs"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ok  plain.mjs  "from-module": 2 nodes, merges: add\n');
  });

  it("a named `spec` export works too, and inspect counts its params", async () => {
    const r = await run(["inspect", "named.js", "--json"], { cwd: dir });
    expect(r.code).toBe(0);
    // 1*1*3*3 weights + 3 biases
    expect(JSON.parse(r.stdout)).toMatchObject({ params: { total: 12 } });
  });

  it("a builder (anything with toDocument()) is turned into its document", async () => {
    const r = await run(["check", "builder-like.mjs"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"built": 2 nodes');
  });

  it("negative control: an invalid exported spec fails the check with its issue, not a load error", async () => {
    const r = await run(["check", "bad.mjs"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/shape_mismatch/);
    expect(r.stdout).toMatch(/^invalid {2}bad\.mjs: 1 error/m);
  });

  it.each([
    [
      "throws.mjs",
      /^fusegraph: error: cannot load spec module "throws\.mjs": it threw RangeError: width must be positive\n$/,
    ],
    [
      "nothing.mjs",
      /^fusegraph: error: spec module "nothing\.mjs" exports no spec: export default .*; it exports helper, width\n$/,
    ],
    ["empty.mjs", /^fusegraph: error: spec module "empty\.mjs" exports no spec: .*; it exports nothing\n$/],
    [
      "to-document-throws.mjs",
      /^fusegraph: error: cannot load spec module "to-document-throws\.mjs": its toDocument\(\) threw Error: no outputs\n$/,
    ],
    [
      "builder.ts",
      /^fusegraph: error: cannot load TypeScript spec "builder\.ts": .*compile it to JavaScript first/,
    ],
    ["missing.mjs", /^fusegraph: error: cannot read spec file "missing\.mjs": no such file\n$/],
    ["missing.ts", /^fusegraph: error: cannot load TypeScript spec "missing\.ts"/],
  ])("%s is one usage-error line (exit 2)", async (file, message) => {
    for (const command of ["check", "inspect", "graph"]) {
      const r = await run([command, file], { cwd: dir });
      expect(r.code, `${command} ${file}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stdout).toBe("");
    }
  });

  it("a TypeScript spec's message says how to compile it", async () => {
    const r = await run(["check", "builder.ts"], { cwd: dir });
    expect(r.stderr).toContain("`npx esbuild builder.ts --format=esm --outfile=builder.mjs`");
    expect(r.stderr).toContain(`Node ${process.version} does not run TypeScript`);
  });
});

describe("spec modules through the built CLI, as a user runs them", () => {
  beforeAll(() => ensureBuilt(), 320_000);

  it("a module that builds its spec with @fusegraph/dsl's spec() checks and inspects", () => {
    write(
      "resnet-block.mjs",
      [
        'import { spec } from "@fusegraph/dsl";',
        'const g = spec("module-built");',
        'const x = g.input("x", [8, 8, 4]);',
        'const c = g.op("c", "conv2d", x, { filters: 4, kernelSize: 3, padding: "same" });',
        'g.outputs(g.merge("sum", "add", [c, x]));',
        "export default g;",
        "",
      ].join("\n"),
    );
    const check = shellLine("npx fusegraph check resnet-block.mjs", dir);
    expect(check.code, describeRun("check", check)).toBe(0);
    expect(check.stdout).toBe('ok  resnet-block.mjs  "module-built": 2 nodes, merges: add\n');
    // 3*3*4*4 + 4 params
    const inspect = shellLine("npx fusegraph inspect resnet-block.mjs --json", dir);
    expect(inspect.code, describeRun("inspect", inspect)).toBe(0);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ params: { total: 148 } });
  });

  it("a module that throws is one line and exit 2, never a stack trace or exit 3", () => {
    const r = shellLine("npx fusegraph verify throws.mjs", dir);
    expect(r.code, describeRun("verify", r)).toBe(2);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
