import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initWeights, loadGraph } from "@fusegraph/dsl";
import { afterAll, describe, expect, it } from "vitest";
import { ExecutionError } from "./errors.js";
import { loadWeights, saveWeights, type WeightsManifest } from "./weights-io.js";

const dir = mkdtempSync(join(tmpdir(), "fusegraph-cpu-layout-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const graph = loadGraph({
  fusegraph: 1,
  name: "two-dense",
  inputs: { x: [3] },
  nodes: { h: { op: "dense", input: "x", units: 2 } },
  outputs: ["h"],
});

/** Saves the graph's weights, lets `edit` change the manifest on disk, and loads it back. */
async function loadEdited(name: string, edit: (m: WeightsManifest) => void) {
  const target = join(dir, name);
  await saveWeights(target, initWeights(graph, { seed: 1 }));
  const path = join(target, "weights.json");
  const manifest = JSON.parse(readFileSync(path, "utf8")) as WeightsManifest;
  edit(manifest);
  writeFileSync(path, JSON.stringify(manifest));
  return loadWeights(target, graph);
}

async function errorOf(p: Promise<unknown>): Promise<ExecutionError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ExecutionError) return err;
    throw err;
  }
  throw new Error("expected an ExecutionError");
}

describe("loadWeights: manifest layout", () => {
  it("loads the manifest the writer wrote (kernel bytes [0, 24), bias [24, 32))", async () => {
    const loaded = await loadEdited("plain", () => {});
    expect([...loaded.keys()]).toEqual(["h/kernel", "h/bias"]);
  });

  it("refuses entries that overlap, naming both", async () => {
    // The bias claims bytes [16, 24), inside the kernel's [0, 24); the file still has 32 bytes.
    const err = await errorOf(
      loadEdited("overlap", (m) => {
        m.weights[1]!.offset = 16;
        m.weights[1]!.byteLength = 8;
      }),
    );
    expect(err.code).toBe("weights_overlap");
    expect(err.message).toMatch(
      /^weight "h\/bias" \(bytes \[16, 24\)\) overlaps weight "h\/kernel" \(bytes \[0, 24\)\) in .*weights\.json: entries must follow each other in byte order without overlapping$/,
    );
  });

  it("refuses entries out of byte order, naming both", async () => {
    const err = await errorOf(
      loadEdited("reorder", (m) => {
        m.weights.reverse();
      }),
    );
    expect(err.code).toBe("weights_overlap");
    expect(err.message).toMatch(
      /^weight "h\/kernel" \(bytes \[0, 24\)\) is out of order after weight "h\/bias" \(bytes \[24, 32\)\)/,
    );
  });

  it("refuses a name given twice", async () => {
    const err = await errorOf(
      loadEdited("twice", (m) => {
        m.weights[1]!.name = "h/kernel";
        m.weights[1]!.shape = [2];
      }),
    );
    expect(err.code).toBe("weights_format");
    expect(err.message).toMatch(/^weight "h\/kernel" appears twice in /);
  });
});
