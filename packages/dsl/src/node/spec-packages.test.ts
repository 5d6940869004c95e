import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphCost } from "../costs/cost.js";
import { validateSpec } from "../validate.js";
import { nodeImportResolver, parsePackageSpecifier, resolvePackageSpec } from "./spec-packages.js";

const BLOCKS = `fusegraph: 1
blocks:
  head:
    params: { units: null }
    nodes:
      pool: { op: globalAvgPool, input: x }
      fc: { op: dense, input: pool, units: $units }
    output: fc
`;

const SPEC = `fusegraph: 1
name: classifier
inputs:
  image: [4, 4, 3]
imports:
  head: "@acme/blocks/head"
nodes:
  out: { use: head, input: image, with: { units: 5 } }
outputs: [out]
`;

let root: string;
const write = (path: string, text: string) => {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
};
const pkg = (name: string, extra: Record<string, unknown>) =>
  JSON.stringify({ name, version: "2.0.0", type: "module", ...extra });

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "fusegraph-spec-packages-"));
  write(
    "node_modules/@acme/blocks/package.json",
    pkg("@acme/blocks", {
      fusegraph: {
        blocks: { head: "./specs/blocks.yaml#head" },
        specs: { classifier: "./specs/classifier.yaml" },
      },
    }),
  );
  write("node_modules/@acme/blocks/specs/blocks.yaml", BLOCKS);
  // A spec inside the package imports its sibling package's block and resolves from its own folder.
  write(
    "node_modules/@acme/blocks/specs/classifier.yaml",
    SPEC.replace("@acme/blocks/head", "./blocks.yaml#head"),
  );
  write(
    "node_modules/hidden/package.json",
    pkg("hidden", { exports: { ".": "./index.js" }, fusegraph: { blocks: { head: "./b.yaml#head" } } }),
  );
  write("node_modules/plain/package.json", pkg("plain", {}));
  write(
    "node_modules/escape/package.json",
    pkg("escape", { fusegraph: { blocks: { head: "./../x.yaml#head" } } }),
  );
  write("project/local.yaml", BLOCKS);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function check(text: string, filename = join(root, "project/model.yaml")) {
  return validateSpec(text, { filename, resolveImport: nodeImportResolver({ cwd: join(root, "project") }) });
}

describe("parsePackageSpecifier", () => {
  it("splits scoped and unscoped specifiers", () => {
    expect(parsePackageSpecifier("@acme/blocks/head")).toEqual({
      packageName: "@acme/blocks",
      entry: "head",
    });
    expect(parsePackageSpecifier("blocks/head")).toEqual({ packageName: "blocks", entry: "head" });
    expect(parsePackageSpecifier("@acme/blocks")).toEqual({ packageName: "@acme/blocks", entry: undefined });
    expect(parsePackageSpecifier("@acme")).toBeUndefined();
  });
});

describe("nodeImportResolver", () => {
  it("finds a block of an installed spec package with Node's resolution", () => {
    const r = check(SPEC);
    if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("\n"));
    // by hand: dense 3 -> 5 with bias = 20 params, 15 MACs
    expect(graphCost(r.graph).total.params.total).toBe(20);
    expect(graphCost(r.graph).total.macs).toBe(15);
    expect(r.graph.imports?.[0]).toMatchObject({
      file: "@acme/blocks/specs/blocks.yaml",
      package: { name: "@acme/blocks", version: "2.0.0" },
    });
  });

  it("resolves ./file.yaml#block beside the importing file", () => {
    const r = check(SPEC.replace("@acme/blocks/head", "./local.yaml#head"));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.graph.imports?.[0]?.file).toBe("local.yaml");
  });

  it.each([
    ["@acme/nothing/head", "import_not_found", 'package "@acme/nothing" is not installed'],
    ["@acme/blocks/tail", "import_not_found", 'declares no block "tail"'],
    ["hidden/head", "import_error", "hides its package.json"],
    ["plain/head", "import_error", 'no "fusegraph" field'],
    ["escape/head", "import_error", "points outside the package"],
    ["./local.yaml", "import_error", "names a file but no block"],
    ["./absent.yaml#head", "import_not_found", "no such file"],
  ])("%s is %s at the imports: entry", (specifier, code, text) => {
    const r = check(SPEC.replace("@acme/blocks/head", specifier));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ code, line: 6, column: 3 });
    expect(r.issues[0]?.message).toContain(text);
  });
});

describe("resolvePackageSpec", () => {
  it("reads a spec a package declares; its relative imports resolve inside the package", () => {
    const found = resolvePackageSpec("@acme/blocks/classifier", join(root, "project"));
    if (!found?.ok) throw new Error(`not found: ${JSON.stringify(found)}`);
    expect(found.label).toBe("@acme/blocks/specs/classifier.yaml");
    const r = validateSpec(found.text, {
      filename: found.label,
      origin: { filename: found.filename, package: found.package },
      resolveImport: nodeImportResolver({ cwd: join(root, "project") }),
    });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.graph.imports?.[0]?.package?.name).toBe("@acme/blocks");
  });

  it("names the specs a package has when asked for one it lacks, and ignores what is not a specifier", () => {
    const found = resolvePackageSpec("@acme/blocks/nope", join(root, "project"));
    expect(found).toMatchObject({ ok: false, code: "import_not_found", hint: "its specs: classifier" });
    expect(resolvePackageSpec("model.yaml", join(root, "project"))).toBeUndefined();
    expect(resolvePackageSpec("resnet50", join(root, "project"))).toBeUndefined();
  });
});
