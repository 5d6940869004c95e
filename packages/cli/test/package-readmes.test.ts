import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatWithOptions } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { publishedWorkspaces, testedExample, workspaceExample } from "../../../scripts/readme-examples.mjs";
import { removeScratch, scratchDir } from "./scratch.js";

// Each published package's README holds one example marked `<!-- tested -->`, followed by the
// `<!-- output -->` it logs. Here each runs exactly as written (from source, through the
// "@fusegraph/source" condition) and what it logs must equal the documented output.
// scripts/package-check.mjs type-checks the same blocks against the packed packages.
let tmp = "";

beforeAll(() => {
  tmp = scratchDir("package-readmes");
});
afterAll(() => removeScratch(tmp));

/** Runs TypeScript as a module and returns what it passed to console.log, as console.log prints it. */
async function logsOf(code: string, name: string): Promise<string> {
  // NOTE: a file inside the repository (gitignored .scratch/), so `@fusegraph/*` resolves to the workspace.
  const file = join(tmp, `${name}.ts`);
  writeFileSync(file, code);
  const lines: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(formatWithOptions({ colors: false }, ...args));
  });
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    log.mockRestore();
  }
  return lines.map((l) => `${l}\n`).join("");
}

const workspaces = publishedWorkspaces();

describe("package READMEs", () => {
  it("every published package has one", () => {
    expect(workspaces).toEqual([
      "packages/dsl",
      "packages/blocks",
      "packages/backend-cpu",
      "packages/backend-tfjs",
      "packages/backend-onnx",
      "packages/backend-pytorch",
      "packages/examples",
      "packages/train",
      "packages/cli",
    ]);
  });

  it.each(workspaces)(
    "%s: the tested example logs what the README shows",
    async (workspace) => {
      const { code, output } = workspaceExample(workspace);
      expect(output.trim()).not.toBe("");
      expect(await logsOf(code, workspace.replace("/", "-"))).toBe(output);
    },
    120_000,
  );
});

describe("negative controls", () => {
  it("an example that computes something else does not match its documented output", async () => {
    const { code, output } = workspaceExample("packages/dsl");
    const changed = code.replace("filters: 8, kernelSize: 1", "filters: 9, kernelSize: 1");
    expect(changed).not.toBe(code);
    expect(await logsOf(changed, "dsl-changed")).not.toBe(output);
  });

  it("a README without a tested block, or without its output, is refused", () => {
    expect(() => testedExample("# x\n```ts\nconsole.log(1);\n```\n")).toThrow(/one `<!-- tested -->`/);
    expect(() => testedExample("<!-- tested -->\n```ts\nconsole.log(1);\n```\n")).toThrow(
      /no `<!-- output -->`/,
    );
    const two = "<!-- tested -->\n```ts\na\n```\n<!-- tested -->\n```ts\nb\n```\n";
    expect(() => testedExample(two)).toThrow(/found 2/);
    expect(testedExample("<!-- tested -->\n```ts\na\n```\n\n<!-- output -->\n```text\n1\n```\n")).toEqual({
      code: "a\n",
      output: "1\n",
    });
  });
});
