import { describe, expect, it } from "vitest";
import { bundle, nodeImports } from "./__fixtures__/bundle.js";
import * as layers from "./layers/register.js";

/** The size budget of the `./layers` entry for the browser (minified, tfjs external). */
const LAYERS_BUDGET = 60_000;

const classNames = Object.values(layers).map((c) => c.className);

describe("@fusegraph/backend-tfjs/layers bundled for the browser", () => {
  it(`stays under ${LAYERS_BUDGET} bytes, with no node built-ins, no zod and no dsl beyond its rules`, async () => {
    const b = await bundle("@fusegraph/backend-tfjs/layers", "browser");
    expect(b.bytes).toBeLessThan(LAYERS_BUDGET);
    expect(nodeImports(b)).toEqual([]);
    expect(b.inputs.filter((p) => p.includes("/zod/"))).toEqual([]);
    expect(b.inputs.filter((p) => p.includes("packages/dsl/"))).toEqual(["packages/dsl/src/rules.ts"]);
    // Only the app's tfjs is imported at run time: the peer dependency, never a copy of our own.
    expect([...new Set(b.imports)]).toEqual(["@tensorflow/tfjs"]);
    // Not trivially small: every custom layer class and its registration is in it.
    expect(classNames.length).toBeGreaterThanOrEqual(9);
    for (const name of classNames) expect(b.code).toContain(`"${name}"`);
    expect(b.code).toMatch(/registerClass/);
    process.stdout.write(`layers entry: ${b.bytes} bytes minified\n`);
  });

  it("negative control: the size and content checks notice the dsl's zod (the root entry has it)", async () => {
    const root = await bundle("@fusegraph/backend-tfjs", "browser");
    expect(root.bytes).toBeGreaterThan(LAYERS_BUDGET);
    expect(root.inputs.some((p) => p.includes("/zod/"))).toBe(true);
  });
});

describe("entries and the browser", () => {
  it("the root entry bundles for platform=browser with no node built-ins", async () => {
    const b = await bundle("@fusegraph/backend-tfjs", "browser");
    expect(nodeImports(b)).toEqual([]);
    expect(b.code).toContain("FusegraphWeightedAdd");
    // The Node-only IO is not in it.
    expect(b.inputs.filter((p) => p.endsWith("backend-tfjs/src/io.ts"))).toEqual([]);
  });

  it("negative control: the node entry does not bundle for the browser (it reads files)", async () => {
    await expect(bundle("@fusegraph/backend-tfjs/node", "browser")).rejects.toThrow(
      /Could not resolve "node:fs\/promises"/,
    );
    // ... and for Node it bundles, and the check above sees its built-ins.
    const b = await bundle("@fusegraph/backend-tfjs/node", "node");
    expect(nodeImports(b)).toEqual(expect.arrayContaining(["node:fs/promises", "node:path", "node:crypto"]));
  });
});
