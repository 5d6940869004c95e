import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { saveWeights } from "@fusegraph/backend-cpu";
import { loadGraph } from "@fusegraph/dsl";
import {
  checkOutputDir,
  FUSEGRAPH_MARK,
  OUTPUT_STEPS,
  type OutputContent,
  OutputDirError,
  PYTORCH_MARK,
  writeOutputDir,
} from "@fusegraph/dsl/node";
import { afterAll, describe, expect, it } from "vitest";
import { seededWeights } from "./__fixtures__/models.js";
import { exportOnnx } from "./export.js";
import { ONNX_FILE, OnnxExportError, saveOnnx } from "./node.js";

const root = mkdtempSync(join(tmpdir(), "fusegraph-onnx-save-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const graph = loadGraph({
  fusegraph: 1,
  name: "save",
  inputs: { x: [4, 4, 2] },
  nodes: { y: { op: "conv2d", input: "x", filters: 3, kernelSize: 1 } },
  outputs: ["y"],
});
const weights = seededWeights(graph, 2);

async function refusal(p: Promise<unknown>): Promise<OnnxExportError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OnnxExportError);
  return e as OnnxExportError;
}

describe("saveOnnx", () => {
  it("writes dir/model.onnx (creating parents) with exactly exportOnnx's bytes, and nothing else", async () => {
    const dir = join(root, "a", "b", "model");
    expect(await saveOnnx(dir, graph, weights)).toEqual({ files: [ONNX_FILE] });
    expect(ONNX_FILE).toBe("model.onnx");
    expect(readdirSync(dir)).toEqual([ONNX_FILE]);
    expect(new Uint8Array(readFileSync(join(dir, ONNX_FILE)))).toEqual(exportOnnx(graph, { weights }));
    expect(readdirSync(join(root, "a", "b"))).toEqual(["model"]);
  });

  it('model.onnx starts with ir_version then producer_name "fusegraph" (what an output check can recognise)', () => {
    const head = exportOnnx(graph, { weights }).subarray(0, 13);
    expect([...head.subarray(0, 4)]).toEqual([0x08, 8, 0x12, 9]);
    expect(new TextDecoder().decode(head.subarray(4))).toBe("fusegraph");
  });

  it("writes into an existing empty directory", async () => {
    const dir = join(root, "empty");
    mkdirSync(dir);
    await saveOnnx(dir, graph, weights, { opset: 18 });
    expect(readdirSync(dir)).toEqual([ONNX_FILE]);
  });

  it("with overwrite, replaces another fusegraph output (a weights directory) by the model alone", async () => {
    const dir = join(root, "was-weights");
    await saveWeights(dir, weights);
    expect(readdirSync(dir).sort()).toEqual(["weights.bin", "weights.json"]);
    const refused = await refusal(saveOnnx(dir, graph, weights));
    expect((refused.cause as OutputDirError).code).toBe("exists");
    await saveOnnx(dir, graph, weights, { overwrite: true });
    expect(readdirSync(dir)).toEqual([ONNX_FILE]);
  });

  it("refuses a directory of the user's (even with overwrite) and the working directory, with dsl/node's reasons", async () => {
    const dir = join(root, "users");
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "mine");
    const e = await refusal(saveOnnx(dir, graph, weights, { overwrite: true }));
    expect(e.code).toBe("output_dir");
    expect(e.cause).toBeInstanceOf(OutputDirError);
    expect((e.cause as OutputDirError).code).toBe("not_fusegraph");
    expect(readdirSync(dir)).toEqual(["notes.txt"]);
    const cwd = await refusal(saveOnnx(process.cwd(), graph, weights, { overwrite: true }));
    expect((cwd.cause as OutputDirError).code).toBe("protected");
    const file = join(root, "a-file");
    writeFileSync(file, "x");
    expect(((await refusal(saveOnnx(file, graph, weights))).cause as OutputDirError).code).toBe(
      "not_a_directory",
    );
  });

  it("an export error is thrown before anything is written", async () => {
    const dir = join(root, "never");
    const e = await refusal(saveOnnx(dir, graph, new Map()));
    expect(e).toMatchObject({ code: "missing_weight", nodeId: "y" });
    expect(existsSync(dir)).toBe(false);
  });
});

/** The other kinds of fusegraph output, as their writers lay them out (backend-tfjs and backend-pytorch are not dependencies). */
const OTHERS: Record<string, { files: string[]; content: OutputContent }> = {
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
  pytorch: {
    files: ["model.py", "train_ddp.py"],
    content: {
      manifest: "model.py",
      render: () => `"""PyTorch module for the fusegraph spec "save", ${PYTORCH_MARK}."""\n`,
      data: [{ name: "train_ddp.py", bytes: new TextEncoder().encode("import model\n") }],
    },
  },
};

let serial = 0;
const fresh = (name: string) => join(root, `${name}-${serial++}`, "out");
const model = () => exportOnnx(graph, { weights });
const other = () => exportOnnx(graph, { weights: seededWeights(graph, 3) });
const holdsModel = (dir: string, bytes: Uint8Array) =>
  readdirSync(dir).join() === ONNX_FILE &&
  Buffer.from(readFileSync(join(dir, ONNX_FILE))).equals(Buffer.from(bytes));

describe("saveOnnx replaces fusegraph outputs in place", () => {
  it("a previous ONNX export: refused without overwrite, replaced with it (the export changes)", async () => {
    const dir = fresh("onnx-again");
    await saveOnnx(dir, graph, seededWeights(graph, 3));
    expect(holdsModel(dir, other())).toBe(true);
    // Negative control: the two exports differ, so the replacement is visible.
    expect(holdsModel(dir, model())).toBe(false);
    expect(((await refusal(saveOnnx(dir, graph, weights))).cause as OutputDirError).code).toBe("exists");
    expect(holdsModel(dir, other())).toBe(true);
    await saveOnnx(dir, graph, weights, { overwrite: true });
    expect(holdsModel(dir, model())).toBe(true);
    expect(readdirSync(join(dir, ".."))).toEqual(["out"]);
  });

  for (const [kind, { files, content }] of Object.entries(OTHERS)) {
    it(`a ${kind} output: refused without overwrite, replaced by model.onnx alone with it; and model.onnx by it`, async () => {
      const dir = fresh(kind);
      await writeOutputDir(dir, content);
      expect(readdirSync(dir).sort()).toEqual(files);
      expect(((await refusal(saveOnnx(dir, graph, weights))).cause as OutputDirError).code).toBe("exists");
      expect(readdirSync(dir).sort()).toEqual(files);
      await saveOnnx(dir, graph, weights, { overwrite: true });
      expect(holdsModel(dir, model())).toBe(true);
      // And back: the other kind's writer replaces an ONNX export the same way.
      await expect(writeOutputDir(dir, content)).rejects.toMatchObject({ code: "exists" });
      await writeOutputDir(dir, content, { overwrite: true });
      expect(readdirSync(dir).sort()).toEqual(files);
    });
  }

  it("a model.onnx fusegraph did not write is refused, even with overwrite (negative control: one it wrote is not)", async () => {
    const bytes = model();
    const foreign = new Uint8Array([
      0x08,
      8,
      0x12,
      7,
      ...new TextEncoder().encode("pytorch"),
      ...bytes.subarray(13),
    ]);
    for (const [what, b] of [
      ["another producer", foreign],
      ["a truncated head", bytes.subarray(0, 12)],
    ] as const) {
      const dir = fresh("foreign");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, ONNX_FILE), b);
      const e = await refusal(saveOnnx(dir, graph, weights, { overwrite: true }));
      expect((e.cause as OutputDirError).code, what).toBe("not_fusegraph");
      expect(e.message).toMatch(/is not a fusegraph output \(it holds "model\.onnx"\)/);
      expect(Buffer.from(readFileSync(join(dir, ONNX_FILE))).equals(Buffer.from(b))).toBe(true);
    }
    const ours = fresh("ours");
    mkdirSync(ours, { recursive: true });
    writeFileSync(join(ours, ONNX_FILE), other());
    await saveOnnx(ours, graph, weights, { overwrite: true });
    expect(holdsModel(ours, model())).toBe(true);
  });

  for (const from of [...Object.keys(OTHERS), "onnx"]) {
    it(`interrupted at every step over a ${from} output, the directory stays fusegraph's and the next saveOnnx completes`, async () => {
      for (const step of OUTPUT_STEPS) {
        const dir = fresh(`step-${from}`);
        if (from === "onnx") await saveOnnx(dir, graph, seededWeights(graph, 3));
        else await writeOutputDir(dir, OTHERS[from]!.content);
        const reached: string[] = [];
        const attempt = await saveOnnx(dir, graph, seededWeights(graph, 4), {
          overwrite: true,
          onStep: (s) => {
            reached.push(s);
            if (s === step) throw new Error(`interrupted before ${s}`);
          },
        }).catch((e: unknown) => e);
        // In place: the staging steps are never reached, the others are, and the write stops there.
        expect(reached.includes(step), step).toBe(!["stage", "write-data", "commit-staged"].includes(step));
        if (reached.includes(step)) {
          expect(attempt, step).toBeInstanceOf(OnnxExportError);
          expect((attempt as OnnxExportError).code).toBe("output_dir");
        }
        await expect(checkOutputDir(dir), step).rejects.toMatchObject({ code: "exists" });
        await expect(checkOutputDir(dir, { overwrite: true }), step).resolves.toBeUndefined();
        await saveOnnx(dir, graph, weights, { overwrite: true });
        expect(holdsModel(dir, model()), step).toBe(true);
        expect(readdirSync(join(dir, "..")), step).toEqual(["out"]);
      }
    });
  }
});
