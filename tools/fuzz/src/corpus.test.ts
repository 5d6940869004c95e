import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { useBackend } from "@fusegraph/backend-tfjs";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkBackends } from "./check-backends.js";
import { checkCli } from "./check-cli.js";
import { checkDocument, prototypeKeys } from "./check-dsl.js";
import { corpusCase, corpusEntries, corpusFiles, outcomeOf } from "./corpus.js";
import { REPO_ROOT } from "./seeds.js";

const entries = corpusEntries();
let dir = "";

beforeAll(async () => {
  tf.env().set("PROD", true);
  await useBackend("cpu");
  dir = mkdtempSync(join(REPO_ROOT, "tools/fuzz/.scratch-"));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("regression corpus", () => {
  it("lists every file of corpus/ exactly once in cases.json", () => {
    expect(entries.map((e) => e.file).sort()).toEqual(corpusFiles());
  });

  it.each(entries)(
    "$file gives its expected outcome",
    async (e) => {
      const c = corpusCase(e);
      const proto = prototypeKeys();
      checkDocument(c, 5_000, proto);
      expect(outcomeOf(c)).toEqual(e.expect);
      if (e.backends) {
        const tensors = tf.memory().numTensors;
        expect(await checkBackends(c, 1)).toEqual({ kind: "ran" });
        expect(tf.memory().numTensors).toBe(tensors);
      }
      if (e.cli) await checkCli(c, dir, entries.indexOf(e));
    },
    60_000,
  );

  it("an expectation that does not hold is noticed (negative control)", () => {
    const bomb = corpusCase(entries.find((e) => e.file === "alias-bomb.yaml")!);
    expect(outcomeOf(bomb)).not.toEqual("graph");
    expect(outcomeOf(bomb)).not.toEqual(["invalid_spec"]);
    const lstm = corpusCase(entries.find((e) => e.file === "lstm-unit-forget-bias.yaml")!);
    expect(
      outcomeOf({ ...lstm, input: (lstm.input as string).replace("units: 2 }\n  fc", "units: -2 }\n  fc") }),
    ).toEqual(["invalid_params"]);
  });
});
