import { describe, expect, it } from "vitest";
import { planBuffers } from "./plan.js";

describe("liveness-based buffer planning", () => {
  it("reuses a chain's dead buffers: peak is two live tensors, not the sum", () => {
    const steps = ["a", "b", "c", "d"].map((id, i) => ({
      out: id,
      inputs: [i === 0 ? "x" : "abcd"[i - 1]!],
      alias: false,
    }));
    const sizes = new Map([
      ["x", 64],
      ["a", 64],
      ["b", 64],
      ["c", 64],
      ["d", 64],
    ]);
    const plan = planBuffers([{ id: "x", size: 64 }], steps, sizes, ["d"]);
    expect(plan.peak).toBe(128);
    const off = (id: string) => plan.slots.get(id)!.offset;
    expect(off("a")).not.toBe(off("x"));
    expect(off("b")).not.toBe(off("a"));
    expect(off("d")).not.toBe(off("c"));
  });

  it("keeps a skip connection alive until its last reader and aliases identity steps", () => {
    const steps = [
      { out: "a", inputs: ["x"], alias: false },
      { out: "drop", inputs: ["a"], alias: true },
      { out: "b", inputs: ["drop"], alias: false },
      { out: "c", inputs: ["b"], alias: false },
      { out: "sum", inputs: ["c", "a"], alias: false },
    ];
    const sizes = new Map(["x", "a", "drop", "b", "c", "sum"].map((id) => [id, 16]));
    const plan = planBuffers([{ id: "x", size: 16 }], steps, sizes, ["sum"]);
    const off = (id: string) => plan.slots.get(id)!.offset;
    expect(off("drop")).toBe(off("a"));
    // a is read by sum, so b and c never take its place; x is dead after a, so b reuses it.
    for (const id of ["b", "c", "sum"]) expect(off(id)).not.toBe(off("a"));
    expect(off("b")).toBe(off("x"));
    expect(off("c")).not.toBe(off("b"));
    expect(plan.peak).toBe(48);
  });
});
