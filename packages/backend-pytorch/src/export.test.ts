import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadGraph, type OpKind } from "@fusegraph/dsl";
import {
  checkOutputDir,
  FUSEGRAPH_MARK,
  OUTPUT_STEPS,
  type OutputContent,
  OutputDirError,
  PYTORCH_MARK,
  writeOutputDir,
} from "@fusegraph/dsl/node";
import { opCases } from "@fusegraph/dsl/testing";
import { findExample } from "@fusegraph/examples";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir } from "./__fixtures__/python.js";
import type { Emitter } from "./emit-types.js";
import { emitters } from "./emitters.js";
import { exportPytorch, PytorchExportError, pythonIdentifier } from "./index.js";
import { uniqueIdentifiers } from "./names.js";
import { savePytorch } from "./node.js";

const resnet50 = loadGraph(findExample("resnet50")!.spec());

describe("exportPytorch", () => {
  it("has an emitter for every op kind, checked at compile time", () => {
    const { conv2d: _dropped, ...rest } = emitters;
    // @ts-expect-error a table without conv2d does not satisfy the exhaustive type
    const incomplete: { [K in OpKind]: Emitter<K> } = rest;
    expect(Object.keys(incomplete)).not.toContain("conv2d");
  });

  it("names attributes and variables after node ids, with a table to fusegraph's weight names", () => {
    const model = exportPytorch(resnet50)["model.py"];
    expect(model).toContain("self.layer1_0_conv1 = nn.Conv2d(64, 64, 1, bias=False)");
    expect(model).toContain('("layer1.0/conv1/kernel", "layer1_0_conv1.weight", "hwio"),');
    expect(model).toContain('("layer1.0/bn1/movingVariance", "layer1_0_bn1.running_var", "vector"),');
    expect(model).toContain('("fc/kernel", "fc.weight", "io"),');
    expect(model).toContain("layer1_0_add = layer1_0_bn3 + layer1_0_downsample_1");
    expect(model).toContain("def build_model():");
    expect(model).toContain("def load_fusegraph_weights(model, weights_dir):");
    expect(model).toContain("def save_fusegraph_weights(model, weights_dir):");
  });

  it("emits only the helpers a spec uses", () => {
    const plain = exportPytorch(resnet50)["model.py"];
    for (const helper of [
      "class Pool2d",
      "class WeightedAdd",
      "class Conv1x1Add",
      "def resize",
      "def share_weights",
    ])
      expect(plain).not.toContain(helper);
    const hed = exportPytorch(loadGraph(findExample("hed")!.spec()))["model.py"];
    expect(hed).toContain("class WeightedAdd(nn.Module):");
    expect(hed).toContain("def normalize_fusion_weights(");
    expect(hed).not.toContain("class Conv1x1Add");
  });

  it("reads like written code: 4-space indents, no tabs, no trailing spaces (every op case)", () => {
    const graphs = [resnet50, ...opCases.map((c) => loadGraph(c.spec))];
    for (const text of graphs.flatMap((g) => Object.values(exportPytorch(g)))) {
      for (const line of text.split("\n")) {
        expect(line).not.toMatch(/\t|\s$/);
        expect((/^ */.exec(line)?.[0].length ?? 0) % 4, line).toBe(0);
      }
    }
  });

  it("throws PytorchExportError naming the node, with a code and a hint, for what PyTorch cannot express", () => {
    const graph = loadGraph({
      fusegraph: 1,
      name: "rank5",
      inputs: { x: [2, 2, 2, 2, 3] },
      nodes: { norm: { op: "batchNorm", input: "x" } },
      outputs: ["norm"],
    });
    let error: unknown;
    try {
      exportPytorch(graph);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PytorchExportError);
    const e = error as PytorchExportError;
    expect(e.code).toBe("unsupported_rank");
    expect(e.nodeId).toBe("norm");
    expect(e.hint).toMatch(/flatten or reshape/);
    expect(e.message).toMatch(/^node "norm": batchNorm over an example of rank 5/);
  });
});

describe("Python names", () => {
  it("sanitises ids into identifiers that still read like them", () => {
    expect(pythonIdentifier("layer1.0/conv1")).toBe("layer1_0_conv1");
    expect(pythonIdentifier("class")).toBe("class_");
    expect(pythonIdentifier("self")).toBe("self_");
    expect(pythonIdentifier("forward")).toBe("forward");
    expect(pythonIdentifier("0a")).toBe("n_0a");
  });

  it("keeps ids that sanitise alike apart", () => {
    expect([...uniqueIdentifiers(["a.b", "a_b", "a/b"]).values()]).toEqual(["a_b", "a_b_2", "a_b_3"]);
  });
});

describe("savePytorch", () => {
  const tiny = loadGraph({
    fusegraph: 1,
    name: "tiny",
    inputs: { x: [4, 4, 2] },
    nodes: { y: { op: "conv2d", input: "x", filters: 2, kernelSize: 1 } },
    outputs: ["y"],
  });

  it("writes model.py and train_ddp.py, refuses to replace them without overwrite, replaces them with it", async () => {
    const dir = join(tempDir("save"), "out");
    expect(await savePytorch(dir, tiny)).toEqual({ files: ["model.py", "train_ddp.py"] });
    expect(readdirSync(dir).sort()).toEqual(["model.py", "train_ddp.py"]);
    expect(readFileSync(join(dir, "model.py"), "utf8")).toBe(exportPytorch(tiny)["model.py"]);
    await expect(savePytorch(dir, resnet50)).rejects.toMatchObject({ code: "exists" });
    expect(readFileSync(join(dir, "model.py"), "utf8")).toContain("class Tiny(nn.Module)");
    await savePytorch(dir, resnet50, { overwrite: true });
    expect(readFileSync(join(dir, "model.py"), "utf8")).toContain("class Resnet50(nn.Module)");
    expect(readdirSync(join(dir, ".."))).toEqual(["out"]);
  });

  it("never replaces a directory that is not its export, even with overwrite", async () => {
    const dir = join(tempDir("save"), "mine");
    mkdirSync(dir);
    writeFileSync(join(dir, "model.py"), "# my own model\n");
    const attempt = savePytorch(dir, tiny, { overwrite: true });
    await expect(attempt).rejects.toBeInstanceOf(OutputDirError);
    await expect(attempt).rejects.toMatchObject({ code: "not_fusegraph" });
    expect(readFileSync(join(dir, "model.py"), "utf8")).toBe("# my own model\n");
  });

  it("writes nothing when the graph cannot be exported", async () => {
    const parent = tempDir("save");
    const graph = loadGraph({
      fusegraph: 1,
      name: "rank5",
      inputs: { x: [1, 1, 1, 1, 2] },
      nodes: { n: { op: "batchNorm", input: "x" } },
      outputs: ["n"],
    });
    await expect(savePytorch(join(parent, "out"), graph)).rejects.toBeInstanceOf(PytorchExportError);
    expect(readdirSync(parent)).toEqual([]);
  });

  it("model.py's first line carries dsl/node's PYTORCH_MARK, how a previous export is recognised", () => {
    for (const g of [tiny, resnet50]) {
      expect(exportPytorch(g)["model.py"].split("\n", 1)[0]).toContain(PYTORCH_MARK);
    }
  });

  /** The other kinds of fusegraph output (backend-tfjs and backend-onnx are not dependencies). */
  const others: Record<string, { files: string[]; content: OutputContent }> = {
    "tfjs-model": {
      files: ["model.json", "weights.bin"],
      content: {
        manifest: "model.json",
        render: (names) =>
          JSON.stringify({
            convertedBy: FUSEGRAPH_MARK,
            weightsManifest: [{ paths: [`./${names.get("weights.bin")}`] }],
          }),
        data: [{ name: "weights.bin", bytes: new Uint8Array(16) }],
      },
    },
    weights: {
      files: ["weights.bin", "weights.json"],
      content: {
        manifest: "weights.json",
        render: (names) =>
          JSON.stringify({ format: "fusegraph-weights", version: 1, binary: names.get("weights.bin") }),
        data: [{ name: "weights.bin", bytes: new Uint8Array(16) }],
      },
    },
    onnx: {
      files: ["model.onnx"],
      content: {
        manifest: "model.onnx",
        // ir_version 8, producer_name "fusegraph": the head backend-onnx writes.
        render: () => new Uint8Array([0x08, 8, 0x12, 9, ...new TextEncoder().encode("fusegraph"), 0x1a, 0]),
        data: [],
      },
    },
  };
  const exported = (dir: string, g: typeof tiny) =>
    readdirSync(dir).sort().join() === "model.py,train_ddp.py" &&
    readFileSync(join(dir, "model.py"), "utf8") === exportPytorch(g)["model.py"] &&
    readFileSync(join(dir, "train_ddp.py"), "utf8") === exportPytorch(g)["train_ddp.py"];

  it("replaces a previous export in place: the directory's name never goes missing", async () => {
    const dir = join(tempDir("save"), "out");
    await savePytorch(dir, tiny);
    const seen: string[] = [];
    await savePytorch(dir, resnet50, { overwrite: true, onStep: (s) => seen.push(s) });
    expect(seen).toEqual(OUTPUT_STEPS.filter((s) => !["stage", "write-data", "commit-staged"].includes(s)));
    expect(exported(dir, resnet50)).toBe(true);
    // Negative control: the check tells the two exports apart.
    expect(exported(dir, tiny)).toBe(false);
  });

  for (const [kind, { files, content }] of Object.entries(others)) {
    it(`a ${kind} output: refused without overwrite, replaced by the export alone with it; and the export by it`, async () => {
      const dir = join(tempDir("save"), "out");
      await writeOutputDir(dir, content);
      await expect(checkOutputDir(dir, { overwrite: true })).resolves.toBeUndefined();
      await expect(savePytorch(dir, tiny)).rejects.toMatchObject({ code: "exists" });
      expect(readdirSync(dir).sort()).toEqual(files);
      await savePytorch(dir, tiny, { overwrite: true });
      expect(exported(dir, tiny)).toBe(true);
      await expect(writeOutputDir(dir, content)).rejects.toMatchObject({ code: "exists" });
      await writeOutputDir(dir, content, { overwrite: true });
      expect(readdirSync(dir).sort()).toEqual(files);
    });
  }

  it("a previous export passes the check made before any work (the CLI's), refused only without overwrite", async () => {
    const dir = join(tempDir("save"), "out");
    await savePytorch(dir, tiny);
    await expect(checkOutputDir(dir, { overwrite: true })).resolves.toBeUndefined();
    await expect(checkOutputDir(dir)).rejects.toMatchObject({ code: "exists" });
    // Negative control: the same files without the mark are the user's.
    writeFileSync(
      join(dir, "model.py"),
      exportPytorch(tiny)["model.py"].replace(PYTORCH_MARK, "written by me"),
    );
    await expect(checkOutputDir(dir, { overwrite: true })).rejects.toMatchObject({ code: "not_fusegraph" });
    await expect(savePytorch(dir, tiny, { overwrite: true })).rejects.toMatchObject({
      code: "not_fusegraph",
    });
    expect(readFileSync(join(dir, "model.py"), "utf8")).toContain("written by me");
  });

  for (const from of [...Object.keys(others), "pytorch"]) {
    it(`interrupted at every step over a ${from} output, the directory stays fusegraph's and the next savePytorch completes`, async () => {
      for (const step of OUTPUT_STEPS) {
        const dir = join(tempDir("step"), "out");
        if (from === "pytorch") await savePytorch(dir, resnet50);
        else await writeOutputDir(dir, others[from]!.content);
        const reached: string[] = [];
        const attempt = await savePytorch(dir, resnet50, {
          overwrite: true,
          onStep: (s) => {
            reached.push(s);
            if (s === step) throw new Error(`interrupted before ${s}`);
          },
        }).catch((e: unknown) => e);
        expect(reached.includes(step), step).toBe(!["stage", "write-data", "commit-staged"].includes(step));
        if (reached.includes(step)) expect(attempt, step).toBeInstanceOf(OutputDirError);
        await expect(checkOutputDir(dir), step).rejects.toMatchObject({ code: "exists" });
        await expect(checkOutputDir(dir, { overwrite: true }), step).resolves.toBeUndefined();
        await savePytorch(dir, tiny, { overwrite: true });
        expect(exported(dir, tiny), step).toBe(true);
        expect(readdirSync(join(dir, "..")), step).toEqual(["out"]);
      }
    });
  }
});

afterAll(removeTempDirs);
