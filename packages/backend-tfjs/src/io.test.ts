import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphOf, randomData } from "./__fixtures__/graph.js";
import { useBackend } from "./backend.js";
import { compile } from "./compile.js";
import { ModelIoError } from "./errors.js";
import { loadModel, modelDir, saveModel } from "./io.js";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = dirname(here);
const root = dirname(dirname(pkg));
const work = mkdtempSync(join(tmpdir(), "fusegraph-tfjs-io-"));

beforeAll(async () => {
  await useBackend("cpu");
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A spec using every custom layer that serialises (weightedAdd, resize, pool, grouped conv, softmax). */
function fusionGraph() {
  return graphOf({ a: [4, 4, 2], b: [2, 2, 4] }, [
    {
      id: "g",
      kind: "conv2d",
      inputs: ["a"],
      params: { filters: 4, kernelSize: 3, padding: [1, 1, 0, 2], groups: 2 },
    },
    {
      id: "p",
      kind: "maxPool",
      inputs: ["g"],
      params: { poolSize: 2, strides: 1, ceilMode: true, padding: 1 },
    },
    { id: "up", kind: "upsample", inputs: ["b"], params: { like: "p", mode: "bilinear" } },
    { id: "fuse/w", kind: "weightedAdd", inputs: ["p", "up"], params: { normalize: "softmax", bias: true } },
    {
      id: "lat",
      kind: "conv1x1Add",
      inputs: ["fuse/w", "b"],
      params: { channels: 3, norm: "batchNorm", resize: "bilinear" },
    },
    { id: "sm", kind: "activation", inputs: ["lat"], params: { fn: "softmax", axis: 0 } },
  ]);
}

function inputs(): tf.Tensor[] {
  return [tf.tensor(randomData(2 * 32, 11), [2, 4, 4, 2]), tf.tensor(randomData(2 * 16, 12), [2, 2, 2, 4])];
}

describe("saveModel / loadModel", () => {
  it("writes model.json + weights.bin and loads back to the same outputs", async () => {
    const graph = fusionGraph();
    const model = compile(graph, { seed: 3 });
    const dir = join(work, "m1");
    await saveModel(model, dir);
    expect(readdirSync(dir).sort()).toEqual(["model.json", "weights.bin"]);
    const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
    expect(json.format).toBe("layers-model");
    expect(json.weightsManifest[0].paths).toEqual(["./weights.bin"]);
    const classes = JSON.stringify(json.modelTopology);
    for (const c of [
      "FusegraphWeightedAdd",
      "FusegraphResize",
      "FusegraphPool2D",
      "FusegraphGroupConv2D",
      "FusegraphSoftmax",
    ]) {
      expect(classes).toContain(c);
    }
    const x = inputs();
    const want = (model.predict(x) as tf.Tensor).dataSync();
    const loaded = await loadModel(dir);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from(want));
    // Plain tfjs loads it too, through the IOHandler, since importing the package registered the layers.
    const plain = await tf.loadLayersModel(modelDir(dir));
    expect(Array.from((plain.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from(want));
    expect(plain.getLayer("fuse__w").getClassName()).toBe("FusegraphWeightedAdd");
  });

  it("refuses an existing directory unless overwrite, and replaces it atomically with overwrite", async () => {
    const graph = graphOf({ x: [2, 2, 1] }, [
      { id: "c", kind: "conv2d", inputs: ["x"], params: { filters: 1, kernelSize: 1 } },
    ]);
    const dir = join(work, "m2");
    await saveModel(compile(graph, { seed: 1 }), dir);
    const before = readFileSync(join(dir, "weights.bin"));
    await expect(saveModel(compile(graph, { seed: 2 }), dir)).rejects.toThrow(ModelIoError);
    await expect(saveModel(compile(graph, { seed: 2 }), dir)).rejects.toThrow(
      /already exists.*overwrite: true/,
    );
    expect(readFileSync(join(dir, "weights.bin"))).toEqual(before);
    await saveModel(compile(graph, { seed: 2 }), dir, { overwrite: true });
    expect(readFileSync(join(dir, "weights.bin"))).not.toEqual(before);
    // No staging directories are left beside the model.
    expect(readdirSync(work).filter((n) => n.startsWith("."))).toEqual([]);
  });

  it("reports a directory without model.json as an invalid model", async () => {
    await expect(loadModel(join(work, "nothing-here"))).rejects.toThrow(/cannot read .*model\.json/);
  });
});

/** Builds the packages when dist is missing or older than the sources (CI builds first, so it is fresh there). */
function ensureBuilt(): void {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return Math.max(m, newest(p));
      return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? Math.max(m, statSync(p).mtimeMs) : m;
    }, 0);
  for (const name of ["dsl", "backend-tfjs"]) {
    const p = join(root, "packages", name);
    const built = join(p, "dist", "index.js");
    if (!existsSync(built) || statSync(built).mtimeMs < newest(join(p, "src"))) {
      try {
        execFileSync("npx", ["tsc", "-p", join(p, "tsconfig.json")], {
          cwd: root,
          stdio: "pipe",
          encoding: "utf8",
        });
      } catch (e) {
        const out = (e as { stdout?: string }).stdout ?? "";
        throw new Error(
          `building packages/${name} for the fresh-process test failed (run npm run build):\n${out}`,
        );
      }
    }
  }
}

describe("round trip in a fresh process", () => {
  // Building dist (only when it is older than the sources; CI builds first) can take a while.
  it("compile -> save -> load in a new node process -> predict gives the same outputs", {
    timeout: 240_000,
  }, async () => {
    ensureBuilt();
    const model = compile(fusionGraph(), { seed: 9 });
    const dir = join(work, "fresh");
    await saveModel(model, dir);
    const x = inputs();
    const want = Array.from((model.predict(x) as tf.Tensor).dataSync());
    writeFileSync(
      join(work, "x.json"),
      JSON.stringify(x.map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) }))),
    );
    const script = `
      import * as tf from "@tensorflow/tfjs";
      import { readFileSync } from "node:fs";
      import { loadModel, modelDir, useBackend } from ${JSON.stringify(join(pkg, "dist", "node.js"))};
      await useBackend("cpu");
      const xs = JSON.parse(readFileSync(${JSON.stringify(join(work, "x.json"))}, "utf8")).map((t) => tf.tensor(t.data, t.shape));
      const a = await loadModel(${JSON.stringify(dir)});
      const b = await tf.loadLayersModel(modelDir(${JSON.stringify(dir)}));
      process.stdout.write(JSON.stringify([Array.from(a.predict(xs).dataSync()), Array.from(b.predict(xs).dataSync())]));
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: pkg,
      encoding: "utf8",
    });
    const [a, b] = JSON.parse(out) as number[][];
    expect(a).toEqual(want);
    expect(b).toEqual(want);
  });
});
