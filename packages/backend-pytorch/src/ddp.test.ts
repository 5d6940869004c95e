import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { loadWeights, prepare } from "@fusegraph/backend-cpu";
import { loadGraph, type TensorData } from "@fusegraph/dsl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PYTHON,
  randomInputs,
  relError,
  removeTempDirs,
  tempDir,
  titled,
  torchSkipReason,
} from "./__fixtures__/python.js";
import { savePytorch } from "./node.js";

const torchSkip = torchSkipReason();

const graph = loadGraph({
  fusegraph: 1,
  name: "ddp-tiny",
  inputs: { image: [8, 8, 3] },
  nodes: {
    conv: { op: "conv2d", input: "image", filters: 4, kernelSize: 3, padding: "same" },
    act: { op: "activation", input: "conv", fn: "relu" },
    pool: { op: "globalAvgPool", input: "act" },
    logits: { op: "dense", input: "pool", units: 3 },
  },
  outputs: ["logits"],
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A float32 C-order .npy as the model's command line writes it (numpy.save). */
function readNpy(path: string): TensorData {
  const bytes = readFileSync(path);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString("latin1");
  expect(header).toContain("'descr': '<f4'");
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? "")
    .split(",")
    .filter((s) => s.trim() !== "")
    .map(Number);
  const start = 10 + headerLength;
  return {
    shape,
    data: new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + bytes.length)),
  };
}

describe.skipIf(torchSkip !== undefined)(
  titled("train_ddp.py under torchrun (2 processes, gloo)", torchSkip),
  () => {
    const dir = tempDir("ddp");
    const out = join(dir, "export");
    let log = "";

    beforeAll(async () => {
      await savePytorch(out, graph);
      const port = await freePort();
      log = execFileSync(
        PYTHON,
        [
          "-m",
          "torch.distributed.run",
          "--nproc_per_node",
          "2",
          "--master_addr",
          "127.0.0.1",
          "--master_port",
          String(port),
          // NOTE: torch 1.13 on Python 3.11 cannot parse torchrun's default "0" for these (IntFlag no longer
          // iterates its zero member), so name stdout explicitly; rank 0's lines arrive as "[default0]:…".
          "--redirects",
          "1",
          "--tee",
          "1",
          join(out, "train_ddp.py"),
          "--task",
          "teacher",
          "--samples",
          "128",
          "--batch",
          "16",
          "--epochs",
          "4",
          "--lr",
          "0.01",
          "--out",
          join(dir, "trained"),
        ],
        { encoding: "utf8", timeout: 50_000, env: { ...process.env, OMP_NUM_THREADS: "1" } },
      );
    }, 60_000);

    it("prints a loss per epoch, and the loss falls", () => {
      expect(log).toContain("training on 2 processes (gloo)");
      const losses = [...log.matchAll(/epoch (\d+)\/4 loss ([\d.e+-]+)$/gm)].map((m) => Number(m[2]));
      expect(losses).toHaveLength(4);
      expect(losses[3]!).toBeLessThan(0.5 * losses[0]!);
      expect(log).toContain(`wrote fusegraph weights to ${join(dir, "trained")}`);
    });

    it("the trained weights load into backend-cpu and give the PyTorch module's output (model.py's CLI)", async () => {
      const weights = await loadWeights(join(dir, "trained"), graph);
      const inputs = randomInputs(graph, 11, 3);
      const image = inputs.image!;
      const nested = Array.from({ length: 3 }, (_, b) =>
        Array.from({ length: 8 }, (_, y) =>
          Array.from({ length: 8 }, (_, x) =>
            Array.from(image.data.subarray(((b * 8 + y) * 8 + x) * 3, ((b * 8 + y) * 8 + x) * 3 + 3)),
          ),
        ),
      );
      writeFileSync(join(dir, "x.json"), JSON.stringify({ image: nested }));
      execFileSync(
        PYTHON,
        [
          join(out, "model.py"),
          "--weights",
          join(dir, "trained"),
          "--input",
          join(dir, "x.json"),
          "--out",
          join(dir, "y.npy"),
        ],
        { timeout: 30_000 },
      );
      const torchOut = readNpy(join(dir, "y.npy"));
      const cpu = prepare(graph, weights);
      try {
        const want = cpu.run(inputs).logits!;
        expect(torchOut.shape).toEqual(want.shape);
        expect(relError(torchOut.data, want.data)).toBeLessThan(1e-4);
      } finally {
        cpu.dispose();
      }
    });
  },
);

afterAll(removeTempDirs);
