import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadGraph } from "@fusegraph/dsl";
import { findExample } from "@fusegraph/examples";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  randomData,
  readRaw,
  relError,
  removeTempDirs,
  runDriver,
  tempDir,
  titled,
  torchSkipReason,
  writeRaw,
} from "./__fixtures__/python.js";
import { exportPytorch } from "./index.js";

const torchSkip = torchSkipReason(["torch", "torchvision", "numpy"]);
const ARCHS = ["resnet50", "densenet121"] as const;

interface Report {
  [job: string]: { ok: boolean; error?: string; seconds: number };
}

describe.skipIf(torchSkip !== undefined)(
  titled("full-size exports reproduce torchvision's logits with its own state_dict", torchSkip),
  () => {
    const dir = tempDir("torchvision");
    let report: Report = {};

    beforeAll(() => {
      const image = writeRaw(join(dir, "image.f32"), {
        shape: [1, 224, 224, 3],
        data: randomData(224 * 224 * 3, 3),
      });
      const jobs = ARCHS.map((arch) => {
        const graph = loadGraph(findExample(arch)!.spec());
        writeFileSync(join(dir, `${arch}.py`), exportPytorch(graph)["model.py"]);
        return {
          kind: "torchvision",
          name: arch,
          arch,
          seed: 7,
          model: join(dir, `${arch}.py`),
          input: image,
          outputs: { ours: join(dir, `${arch}.ours.f32`), theirs: join(dir, `${arch}.theirs.f32`) },
        };
      });
      report = runDriver<Report>(jobs, dir);
    }, 90_000);

    for (const arch of ARCHS) {
      it(`${arch}: torchvision's random-init weights renamed into the module give its logits (eval)`, () => {
        expect(report[arch]?.error ?? "").toBe("");
        const ours = readRaw(join(dir, `${arch}.ours.f32`), [1, 1000]);
        const theirs = readRaw(join(dir, `${arch}.theirs.f32`), [1, 1000]);
        // Independent outputs differ: the logits are not all equal, so agreement is meaningful.
        expect(Math.max(...theirs.data) - Math.min(...theirs.data)).toBeGreaterThan(1e-3);
        expect(relError(ours.data, theirs.data)).toBeLessThan(1e-4);
      });
    }
  },
);

afterAll(removeTempDirs);
