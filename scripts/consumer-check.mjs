#!/usr/bin/env node
// Installs the packed workspace packages into a fresh project on another tfjs minor than the repo's,
// the way a user would, and checks there: one copy of tfjs, a fusegraph model.json with custom layers
// loads through plain tf.loadLayersModel after `import "@fusegraph/backend-tfjs/layers"`, and the
// `fusegraph` bin runs. Run after `npm run build` (the tarballs carry dist/). Needs the npm registry.
// Prints one summary line; exits 1 on failure.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConsumer, run } from "./consumer-project.mjs";

/** A different minor than the repo's 4.22.0 pin: the packages must take the app's tfjs, not bring their own. */
const TFJS = "4.21.0";
const work = mkdtempSync(join(tmpdir(), "fusegraph-consumer-"));
const started = Date.now();

// What the app runs: only the app's own tfjs and the layers entry, then plain tfjs loading.
const APP = `
import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";

const json = JSON.parse(readFileSync("model/model.json", "utf8"));
const bin = readFileSync("model/weights.bin");
const artifacts = () => ({
  modelTopology: json.modelTopology,
  weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
  weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
});
const custom = [...new Set(JSON.stringify(json.modelTopology).match(/Fusegraph[A-Za-z0-9]+/g) ?? [])].sort();
// Negative control: without the layers entry the model must not load.
const without = await tf.loadLayersModel(tf.io.fromMemory(artifacts())).then(
  () => "loaded",
  (e) => e.message,
);
await import("@fusegraph/backend-tfjs/layers");
const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts()));
const inputs = model.inputs.map((i) => tf.randomUniform([1, ...i.shape.slice(1)], -1, 1, "float32", 7));
const outputs = [model.predict(inputs.length === 1 ? inputs[0] : inputs)].flat();
const values = (await Promise.all(outputs.map((t) => t.data()))).flatMap((d) => Array.from(d));
process.stdout.write(JSON.stringify({
  tfjs: tf.version.tfjs,
  custom,
  without,
  trainable: model.trainableWeights.length,
  shapes: outputs.map((t) => t.shape),
  finite: values.length > 0 && values.every(Number.isFinite),
  nonZero: values.some((v) => v !== 0),
}));
`;

function check() {
  const { app, packs } = createConsumer(work, {
    "@tensorflow/tfjs": TFJS,
    // The CLI runs on wasm; an app pins the wasm backend to its tfjs (its peer is tfjs-core, exactly).
    "@tensorflow/tfjs-backend-wasm": TFJS,
  });

  const copies = (name) =>
    run("npm", ["ls", name, "--all", "--parseable"], app)
      .split("\n")
      .filter((l) => l.endsWith(join("node_modules", ...name.split("/"))));
  for (const name of ["@tensorflow/tfjs", "@tensorflow/tfjs-core", "@tensorflow/tfjs-layers"]) {
    const found = copies(name);
    if (found.length !== 1)
      throw new Error(`expected one copy of ${name}, found ${found.length}:\n${found.join("\n")}`);
  }

  const help = run("npx", ["--no-install", "fusegraph", "--help"], app);
  if (!/Usage: fusegraph/.test(help)) throw new Error(`fusegraph --help printed no usage:\n${help}`);
  run(
    "npx",
    ["--no-install", "fusegraph", "compile", "sample:tiny-hed", "--backend", "tfjs", "--out", "model"],
    app,
  );

  writeFileSync(join(app, "app.mjs"), APP);
  const r = JSON.parse(run(process.execPath, ["app.mjs"], app));
  const problems = [];
  if (r.tfjs !== TFJS) problems.push(`the app runs tfjs ${r.tfjs}, expected ${TFJS}`);
  for (const c of ["FusegraphResize", "FusegraphWeightedAdd"])
    if (!r.custom.includes(c)) problems.push(`model.json has no ${c} layer`);
  if (!/Unknown layer: Fusegraph/.test(r.without)) problems.push(`without the layers entry: ${r.without}`);
  if (r.trainable === 0) problems.push("the loaded model has no trainable weights");
  if (!r.finite || !r.nonZero) problems.push("the prediction is empty, not finite or all zeros");
  if (problems.length > 0) throw new Error(problems.join("; "));
  return { r, packs: packs.length };
}

try {
  const { r, packs } = check();
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  console.log(
    `consumer-check: ok — ${packs} tarballs on tfjs ${r.tfjs} (one copy), tiny-hed model.json with ${r.custom.join(", ")} loaded by plain tf.loadLayersModel after @fusegraph/backend-tfjs/layers and predicted ${JSON.stringify(r.shapes)}; fusegraph --help ok (${secs}s)`,
  );
} catch (e) {
  console.log(`consumer-check: FAILED — ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
