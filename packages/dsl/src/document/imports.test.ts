import { describe, expect, it } from "vitest";
import { graphCost } from "../costs/cost.js";
import type { SpecIssue } from "../issues.js";
import { LIMITS } from "../limits.js";
import { validateSpec } from "../validate.js";
import type { ImportResolver } from "./imports.js";

/**
 * An in-memory resolver over "packages" of files: `@acme/blocks/<block>` names `<block>` in
 * `blocks.yaml` of @acme/blocks; `./file.yaml#block` is relative to the importing file's folder.
 */
function memoryResolver(files: Record<string, string>): ImportResolver {
  return (specifier, from) => {
    const file = specifier.startsWith("./")
      ? `${(from.filename ?? "").replace(/[^/]*$/, "")}${specifier.slice(2).split("#")[0]}`
      : `${specifier.replace(/\/[^/]*$/, "")}/blocks.yaml`;
    const block = specifier.startsWith("./")
      ? (specifier.split("#")[1] ?? "")
      : specifier.replace(/^.*\//, "");
    const text = files[file];
    if (text === undefined) return { ok: false, code: "import_not_found", message: `no file ${file}` };
    const pkg = file.startsWith("@acme/blocks/") ? { name: "@acme/blocks", version: "1.2.3" } : undefined;
    return { ok: true, text, filename: file, block, ...(pkg ? { package: pkg } : {}) };
  };
}

const RESIDUAL = `fusegraph: 1
blocks:
  residual:
    params: { width: null }
    nodes:
      conv: { op: conv2d, input: x, filters: $width, kernelSize: 3, padding: same }
      sum: { merge: add, inputs: [x, conv] }
    output: sum
`;

const files = { "@acme/blocks/blocks.yaml": RESIDUAL };

const MAIN = `fusegraph: 1
name: imported
inputs:
  image: [8, 8, 4]
imports:
  residual: "@acme/blocks/residual"
nodes:
  stage: { use: residual, input: image, repeat: 2, with: { width: 4 } }
outputs: [stage]
`;

/** The same model with the block written locally: the reference the imported one must equal. */
const LOCAL = `fusegraph: 1
name: imported
inputs:
  image: [8, 8, 4]
blocks:
  residual:
    params: { width: null }
    nodes:
      conv: { op: conv2d, input: x, filters: $width, kernelSize: 3, padding: same }
      sum: { merge: add, inputs: [x, conv] }
    output: sum
nodes:
  stage: { use: residual, input: image, repeat: 2, with: { width: 4 } }
outputs: [stage]
`;

function issuesOf(text: string, extra: Record<string, string> = {}): SpecIssue[] {
  const r = validateSpec(text, {
    filename: "main.yaml",
    resolveImport: memoryResolver({ ...files, ...extra }),
  });
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.issues;
}

describe("imports", () => {
  it("uses an imported block exactly like a local one (repeat, with)", () => {
    const r = validateSpec(MAIN, { filename: "main.yaml", resolveImport: memoryResolver(files) });
    if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("\n"));
    const local = validateSpec(LOCAL);
    if (!local.ok) throw new Error("reference spec is invalid");
    expect(r.graph.nodes).toEqual(local.graph.nodes);
    // by hand: two 3x3 convs 4 -> 4 with bias: 2 * (3*3*4*4 + 4) = 296 params; MACs 2 * 8*8*4 * 3*3*4 = 18,432
    const cost = graphCost(r.graph);
    expect(cost.total.params.total).toBe(296);
    expect(cost.total.macs).toBe(18_432);
    expect(r.graph.imports).toEqual([
      {
        name: "residual",
        specifier: "@acme/blocks/residual",
        block: "residual",
        file: "@acme/blocks/blocks.yaml",
        package: { name: "@acme/blocks", version: "1.2.3" },
      },
    ]);
  });

  it("imports relative files, and blocks of imported files import in turn", () => {
    const mid = `fusegraph: 1
imports:
  residual: "@acme/blocks/residual"
blocks:
  twice:
    params: { width: null }
    nodes:
      a: { use: residual, input: x, with: { width: $width } }
      b: { use: residual, input: a, with: { width: $width } }
    output: b
`;
    const text = MAIN.replace('residual: "@acme/blocks/residual"', 'twice: "./lib/mid.yaml#twice"')
      .replace("use: residual", "use: twice")
      .replace("repeat: 2, ", "");
    const r = validateSpec(text, {
      filename: "main.yaml",
      resolveImport: memoryResolver({ ...files, "lib/mid.yaml": mid }),
    });
    if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("\n"));
    expect(r.graph.nodes.map((n) => n.id)).toEqual([
      "stage/a/conv",
      "stage/a/sum",
      "stage/b/conv",
      "stage/b/sum",
    ]);
    expect(r.graph.imports?.map((i) => [i.name, i.file, i.importedBy])).toEqual([
      ["residual", "@acme/blocks/blocks.yaml", "lib/mid.yaml"],
      ["twice", "lib/mid.yaml", undefined],
    ]);
  });

  it("without a resolver, an import is one located import_error (negative control for the above)", () => {
    const r = validateSpec(MAIN, { filename: "main.yaml" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({
      code: "import_error",
      line: 6,
      column: 3,
      path: ["imports", "residual"],
    });
  });
});

describe("import errors", () => {
  it("a missing package is import_not_found at the imports: entry, and its uses are not reported again", () => {
    const issues = issuesOf(MAIN.replace("@acme/blocks/residual", "@acme/missing/residual"));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: "import_not_found", line: 6, column: 3 });
    expect(issues[0]?.message).toContain("@acme/missing");
  });

  it("a missing block names the file and package and suggests a near name", () => {
    const issues = issuesOf(MAIN.replace("@acme/blocks/residual", "@acme/blocks/residul"));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: "import_not_found", line: 6, column: 3 });
    expect(issues[0]?.message).toContain(
      '@acme/blocks/blocks.yaml (@acme/blocks@1.2.3) has no block "residul"',
    );
    expect(issues[0]?.message).toContain('Did you mean "residual"?');
  });

  it("an import named like a local block is import_clash", () => {
    const text = MAIN.replace(
      "nodes:\n  stage",
      "blocks:\n  residual:\n    nodes: { id: { op: activation, input: x, fn: relu } }\n    output: id\nnodes:\n  stage",
    );
    const issues = issuesOf(text);
    expect(issues.map((i) => [i.code, i.line, i.column])).toContainEqual(["import_clash", 6, 3]);
  });

  it("a cycle between files is import_cycle naming the chain", () => {
    const a = `fusegraph: 1
imports:
  b: "./b.yaml#b"
blocks:
  a:
    nodes: { r: { use: b, input: x } }
    output: r
`;
    const b = `fusegraph: 1
imports:
  a: "./a.yaml#a"
blocks:
  b:
    nodes: { r: { op: activation, input: x, fn: relu } }
    output: r
`;
    const text = MAIN.replace('residual: "@acme/blocks/residual"', 'a: "./a.yaml#a"')
      .replace("use: residual", "use: a")
      .replace(", with: { width: 4 }", "");
    const issues = issuesOf(text, { "a.yaml": a, "b.yaml": b });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: "import_cycle", file: "b.yaml", line: 3, column: 3 });
    expect(issues[0]?.message).toContain("a.yaml → b.yaml → a.yaml");
  });

  it("a use whose params do not fit the imported block names the block's package", () => {
    const issues = issuesOf(MAIN.replace("with: { width: 4 }", "with: { widht: 4 }"));
    expect(issues.map((i) => [i.code, i.line, i.column])).toEqual([
      ["block_error", 8, 52],
      ["block_error", 8, 60],
    ]);
    expect(issues[0]?.message).toContain(
      'of block "residual" from @acme/blocks@1.2.3: missing required param width',
    );
    expect(issues[1]?.message).toContain('it has no param "widht"');
  });

  it("an error inside an imported block is located in its own file and tagged with its package", () => {
    const broken = RESIDUAL.replace("kernelSize: 3", "kernelSize: -3");
    const issues = issuesOf(MAIN, { "@acme/blocks/blocks.yaml": broken });
    expect(issues[0]).toMatchObject({
      code: "invalid_params",
      file: "@acme/blocks/blocks.yaml",
      package: "@acme/blocks@1.2.3",
      line: 6,
      path: ["blocks", "residual", "nodes", "conv", "kernelSize"],
    });
  });

  it("a syntax error in an imported file is reported in that file", () => {
    const issues = issuesOf(MAIN, { "@acme/blocks/blocks.yaml": "fusegraph: 1\nblocks: [\n" });
    expect(issues[0]).toMatchObject({ code: "parse_error", file: "@acme/blocks/blocks.yaml" });
  });

  it("a resolver that throws is an import_error, not a crash", () => {
    const r = validateSpec(MAIN, {
      filename: "main.yaml",
      resolveImport: () => {
        throw new Error("disk on fire");
      },
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]).toMatchObject({ code: "import_error", line: 6, column: 3 });
    if (!r.ok) expect(r.issues[0]?.message).toContain("disk on fire");
  });

  it("an import name that is not an id is invalid_spec", () => {
    const issues = issuesOf(MAIN.replace('  residual: "@acme', '  "bad name": "@acme'));
    expect(issues.map((i) => [i.code, i.line, i.column])).toContainEqual(["invalid_spec", 6, 3]);
  });

  it("bounds the number of imported documents", () => {
    const extra: Record<string, string> = {};
    const n = LIMITS.maxImportedDocuments + 1;
    const imports: string[] = [];
    for (let k = 0; k < n; k++) {
      extra[`f${k}.yaml`] = RESIDUAL;
      imports.push(`  r${k}: "./f${k}.yaml#residual"`);
    }
    const text = MAIN.replace('  residual: "@acme/blocks/residual"', imports.join("\n")).replace(
      "use: residual",
      "use: r0",
    );
    const issues = issuesOf(text, extra);
    expect(issues.map((i) => [i.code, i.path.join(".")])).toEqual([["limit_exceeded", `imports.r${n - 1}`]]);
    expect(issues[0]?.message).toContain(`more than ${LIMITS.maxImportedDocuments} documents`);
  });

  it("bounds the depth of import chains", () => {
    const extra: Record<string, string> = {};
    const depth = LIMITS.maxImportDepth + 2;
    for (let k = 0; k < depth; k++) {
      extra[`f${k}.yaml`] = `fusegraph: 1
imports: { next: "./f${k + 1}.yaml#b" }
blocks:
  b:
    nodes: { r: { op: activation, input: x, fn: relu } }
    output: r
`;
    }
    const text = MAIN.replace('residual: "@acme/blocks/residual"', 'b: "./f0.yaml#b"')
      .replace("use: residual", "use: b")
      .replace(", with: { width: 4 }", "");
    const issues = issuesOf(text, extra);
    expect(issues.map((i) => i.code)).toEqual(["limit_exceeded"]);
    expect(issues[0]?.message).toContain(`deeper than ${LIMITS.maxImportDepth}`);
  });
});
