import { describe, expect, it } from "vitest";
import { ExpansionError } from "./define-op.js";
import { opDef } from "./index.js";

describe("expand() failures", () => {
  const conv1x1Add = opDef("conv1x1Add");
  const params = conv1x1Add.params.parse({ channels: 4 });

  it("name the node and its kind, keeping the original error as the cause", () => {
    // Input shapes of the wrong rank: the op's own code fails while sizing the resize.
    let thrown: unknown;
    try {
      conv1x1Add.expand?.({ id: "fuse1", inputs: ["a", "b"] }, params, [[8], [4]]);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ExpansionError);
    const err = thrown as ExpansionError;
    expect(err.message).toMatch(/^node "fuse1" \(conv1x1Add\): expansion failed: /);
    expect(err).toMatchObject({ nodeId: "fuse1", kind: "conv1x1Add" });
    expect(err.cause).toBeInstanceOf(Error);
    expect(err.cause).not.toBeInstanceOf(ExpansionError);
  });

  it("negative control: an expansion that succeeds is returned untouched", () => {
    const ok = conv1x1Add.expand?.({ id: "fuse1", inputs: ["a", "b"] }, params, [
      [8, 8, 4],
      [4, 4, 4],
    ]);
    expect(ok?.nodes.at(-1)?.id).toBe("fuse1");
  });
});
