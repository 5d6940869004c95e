import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { costOf, graphOf } from "./__fixtures__/graphs.js";
import { findExample, listExamples } from "./index.js";

const NAMES = [
  "resnet18",
  "resnet34",
  "resnet50",
  "resnet101",
  "resnet152",
  "densenet121",
  "densenet169",
  "densenet201",
  "unet",
  "fpn-resnet50",
  "tiny-fpn",
  "cpn-resnet50",
  "hed",
  "lstm",
  "lstm-cell",
];

describe("registered examples", () => {
  it("registers every example by name on import", () => {
    expect(listExamples().map((e) => e.name)).toEqual(NAMES);
    expect(findExample("resnet50")?.name).toBe("resnet50");
    expect(findExample("resnet-50")).toBeUndefined();
  });

  it.each(NAMES)(
    "%s: spec and smallSpec validate cleanly with the same params, and its merges are used",
    (name) => {
      const e = findExample(name);
      if (!e) throw new Error(`${name} is not registered`);
      const full = costOf(e.spec());
      const small = costOf(e.smallSpec());
      expect(small.total.params).toEqual(full.total.params);
      expect(small.total.macs).toBeLessThanOrEqual(full.total.macs);
      const kinds = new Set(graphOf(e.spec()).nodes.map((n) => n.kind));
      for (const m of e.merges) expect(kinds).toContain(m);
      expect(graphOf(e.spec()).name).toBe(name);
      if (e.yamlPath !== undefined) expect(existsSync(e.yamlPath)).toBe(true);
    },
  );

  it("sizes smallSpec for CI: 64x64 ImageNet nets, U-Net at its smallest valid input", () => {
    const inputOf = (name: string) => {
      const e = findExample(name);
      if (!e) throw new Error(`${name} is not registered`);
      return graphOf(e.smallSpec()).inputs[0]?.shape;
    };
    for (const name of ["resnet50", "densenet121", "fpn-resnet50", "cpn-resnet50", "hed"]) {
      expect(inputOf(name)).toEqual([64, 64, 3]);
    }
    expect(inputOf("unet")).toEqual([188, 188, 1]);
  });

  it("ships YAML twins for resnet50, densenet121 and tiny-fpn", () => {
    expect(
      listExamples()
        .filter((e) => e.yamlPath !== undefined)
        .map((e) => e.name),
    ).toEqual(["resnet50", "densenet121", "tiny-fpn"]);
  });
});
