import { spawnSync } from "node:child_process";

/** The interpreter that sees Debian's torch/onnx packages (an earlier python3 on PATH may not). */
export const PYTHON = "/usr/bin/python3";

/**
 * Whether `/usr/bin/python3` can import `module`. A test that needs it skips locally with a visible
 * reason, but fails in CI (`process.env.CI`): a reference that silently disappears proves nothing.
 */
export function pythonModule(module: string): { ok: true } | { ok: false; reason: string } {
  const r = spawnSync(PYTHON, ["-c", `import ${module}`], { encoding: "utf8" });
  if (r.error) return { ok: false, reason: `${PYTHON} cannot run: ${r.error.message}` };
  if (r.status !== 0)
    return { ok: false, reason: `${PYTHON} cannot import ${module}: ${r.stderr.trim().split("\n").pop()}` };
  return { ok: true };
}

/** Runs a python script with arguments; returns stdout, throws with stderr on failure. */
export function runPython(script: string, args: readonly string[] = [], timeout = 60_000): string {
  const r = spawnSync(PYTHON, ["-c", script, ...args], {
    encoding: "utf8",
    timeout,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`python failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

/** A python script that runs onnx.checker.check_model(full_check=True) on every path given, printing JSON. */
export const CHECK_MODELS = `
import json, sys, onnx
results = {}
for path in sys.argv[1:]:
    try:
        onnx.checker.check_model(onnx.load(path), full_check=True)
        results[path] = "ok"
    except Exception as e:
        results[path] = str(e)[:2000]
print(json.dumps(results))
`;
