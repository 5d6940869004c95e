import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadWeights } from "@fusegraph/backend-cpu";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRunGraph } from "../src/train/ablation-page.js";
import { CLI_BIN, ensureBuilt, fakeIO, STACK_FRAME } from "./helpers.js";

// Ctrl-C is a real signal to a real process: the built CLI is spawned, and SIGINT is sent once the
// first epoch's progress line shows that a checkpoint exists.

let cwd = "";

beforeAll(() => {
  ensureBuilt();
  cwd = mkdtempSync(join(tmpdir(), "fusegraph-sigint-"));
});

afterAll(() => {
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

/** Runs `train` until its first epoch line, then sends SIGINT; resolves with how it ended. */
function trainThenInterrupt(
  args: readonly string[],
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI_BIN, "train", ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: "1", FUSEGRAPH_DEBUG: "" },
    });
    let stderr = "";
    let stdout = "";
    let sent = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`train did not finish: ${stderr}`));
    }, 100_000);
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (!sent && /^epoch 1\//m.test(stderr)) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stderr, stdout });
    });
  });
}

describe("train: Ctrl-C", () => {
  it("stops after the current step, keeps a complete loadable checkpoint and exits 130", async () => {
    const r = await trainThenInterrupt([
      "sample:tiny-unet",
      "--task",
      "shapes",
      "--epochs",
      "40",
      "--train-samples",
      "16",
      "--val-samples",
      "4",
      "--out",
      "run",
    ]);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/stopping after the current step/);
    expect(r.stderr).toMatch(/interrupted after \d+ steps \(\d+ complete epochs?\); kept the weights/);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    const graph = await loadRunGraph("sample:tiny-unet", fakeIO().io);
    const weights = await loadWeights(join(cwd, "run"), graph);
    expect(weights.size).toBeGreaterThan(0);
    const history = JSON.parse(readFileSync(join(cwd, "run", "history.json"), "utf8")) as {
      stopped: boolean;
      finished: boolean;
      history: unknown[];
    };
    expect(history.stopped).toBe(true);
    expect(history.finished).toBe(false);
    // Negative control: it did stop early (40 epochs were asked for).
    expect(history.history.length).toBeLessThan(40);
    expect(history.history.length).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
