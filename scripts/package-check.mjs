#!/usr/bin/env node
// Release readiness of the published @fusegraph packages, as CI checks it after `npm run build`:
// changesets status, `npm publish --dry-run` (against an unroutable registry, so nothing can be
// published) with the tarball's file list checked, publint, arethetypeswrong (ESM-only profile), then
// one fresh consumer project outside the workspace with every tarball installed: the `fusegraph` bin,
// a strict NodeNext TypeScript consumer of every entry (plus each README's tested example), and a
// browser bundle of @fusegraph/backend-tfjs/layers. One line per check; exits 1 if any fails.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { createConsumer, PACKAGES, REPO_ROOT, run } from "./consumer-project.mjs";
import { workspaceExample } from "./readme-examples.mjs";

/**
 * Nothing listens here: a publish that was not a dry run fails instead of reaching a registry.
 * NOTE: the dry run still asks it about the package; with npm's default retries that costs ~70 s each.
 */
const NO_REGISTRY = "http://127.0.0.1:9/";
const TFJS = "4.22.0";
const TSC = join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
const ATTW = join(REPO_ROOT, "node_modules", "@arethetypeswrong", "cli", "dist", "index.js");
const PUBLINT = join(REPO_ROOT, "node_modules", "publint", "src", "cli.js");
/** Files a tarball must not carry: tests, fixtures, benchmarks, the conformance runner. */
const NOT_SHIPPED = /(\.test\.[cm]?[jt]s$|__fixtures__\/|(^|\/)bench\/|(^|\/)conformance\/|(^|\/)test\/)/;

const work = mkdtempSync(join(tmpdir(), "fusegraph-package-check-"));
const started = Date.now();
let failed = 0;

/** Runs one check and prints its line: `package-check: <name>: ok — <detail>` or `FAILED — <why>`. */
function check(name, fn) {
  const t = Date.now();
  try {
    const detail = fn();
    console.log(`package-check: ${name}: ok — ${detail} (${((Date.now() - t) / 1000).toFixed(1)}s)`);
  } catch (e) {
    failed++;
    const why = (e instanceof Error ? e.message : String(e)).trim().replace(/\n+/g, " | ");
    console.log(`package-check: ${name}: FAILED — ${why}`);
  }
}

const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));

/** Every file path a manifest points at: export targets (wildcards as patterns), bin, main, types, blocks. */
function manifestTargets(pkg) {
  const targets = [];
  const walk = (v) => {
    if (typeof v === "string") targets.push(v);
    else if (v && typeof v === "object") for (const x of Object.values(v)) walk(x);
  };
  walk(pkg.exports);
  walk(pkg.bin);
  walk(pkg.main);
  walk(pkg.types);
  walk(pkg.fusegraph?.blocks);
  return [...new Set(targets.map((t) => t.replace(/^\.\//, "").replace(/#.*$/, "")))];
}

/** The tarball's file list from `npm publish --dry-run`, checked against what the manifest needs. */
function publishDryRun(workspace) {
  const pkg = readJson(join(REPO_ROOT, workspace, "package.json"));
  const out = run(
    "npm",
    ["publish", "--dry-run", "--json", "--registry", NO_REGISTRY, "--fetch-retries=0", "-w", workspace],
    REPO_ROOT,
  );
  const report = JSON.parse(out)[pkg.name];
  if (!report) throw new Error(`npm publish --dry-run reported nothing for ${pkg.name}`);
  const files = report.files.map((f) => f.path);
  const problems = [];
  for (const f of ["README.md", "LICENSE", "package.json"]) if (!files.includes(f)) problems.push(`no ${f}`);
  const unwanted = files.filter((f) => NOT_SHIPPED.test(f));
  if (unwanted.length > 0)
    problems.push(`ships ${unwanted.slice(0, 5).join(", ")}${unwanted.length > 5 ? ", …" : ""}`);
  for (const target of manifestTargets(pkg)) {
    const re = new RegExp(`^${target.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".+")}$`);
    if (!files.some((f) => re.test(f)))
      problems.push(`the manifest points at ${target}, which is not in the tarball`);
  }
  if (problems.length > 0) throw new Error(problems.join("; "));
  return `${pkg.name}@${report.version}: ${files.length} files, ${(report.size / 1024).toFixed(0)} kB packed`;
}

/** publint on the tarball's exact contents; any message (error, warning or suggestion) fails. */
function publint(workspace) {
  const out = run(process.execPath, [PUBLINT, "--strict", workspace], REPO_ROOT);
  if (!/All good!/.test(out)) throw new Error(out);
  return "All good!";
}

/** arethetypeswrong under its ESM-only profile; a package with no JavaScript entry is reported as skipped. */
function attw(tarball) {
  let out;
  try {
    out = run(process.execPath, [ATTW, tarball, "--profile", "esm-only", "--format", "json"], REPO_ROOT);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const json = msg.slice(msg.indexOf("{"));
    try {
      const problems = Object.values(JSON.parse(json).problems ?? {}).flat();
      throw new Error(problems.map((p) => `${p.kind} at ${p.entrypoint} (${p.resolutionKind})`).join("; "));
    } catch {
      throw new Error(msg);
    }
  }
  const analysis = JSON.parse(out).analysis;
  if (analysis.types === false) return "skipped: no JavaScript or types to check (YAML only)";
  return `no problems in ${Object.keys(analysis.entrypoints).length} entry points`;
}

/** A strict NodeNext consumer of every entry; the @ts-expect-error lines fail if the types were `any`. */
const CONSUMER_TS = `
import type * as tf from "@tensorflow/tfjs";
import { type Graph, graphCost, loadGraph, type SpecDocumentInput, spec } from "@fusegraph/dsl";
import { nodeImportResolver } from "@fusegraph/dsl/node";
import { type Executor, initWeights, prepare, tensor } from "@fusegraph/backend-cpu";
import { compile, predict } from "@fusegraph/backend-tfjs";
import { loadModel, saveModel } from "@fusegraph/backend-tfjs/node";
import "@fusegraph/backend-tfjs/layers";
import { type Example, findExample, resnet } from "@fusegraph/examples";
import { type CliIO, runCli } from "@fusegraph/cli";

const doc: SpecDocumentInput = resnet({ depth: 18, inputShape: [64, 64, 3] });
const graph: Graph = loadGraph(doc, { resolveImport: nodeImportResolver() });
const trainable: number = graphCost(graph).total.params.trainable;
const executor: Executor = prepare(graph, initWeights(graph, { seed: 1 }));
const model: tf.LayersModel = compile(graph, { seed: 1 });
const outputs: Record<string, { shape: number[]; data: Float32Array }> = await predict(model, graph, {
  image: tensor([1, 64, 64, 3]),
});
await saveModel(model, "out/model");
const loaded: tf.LayersModel = await loadModel("out/model");
const example: Example | undefined = findExample("unet");
const io: CliIO = {
  stdout: { write: () => {} },
  stderr: { write: () => {} },
  env: {},
  cwd: ".",
  readStdin: async () => "",
};
const code: number = await runCli(["list"], io);
const built = spec("x");
built.outputs(built.op("d", "dense", built.input("x", [4]), { units: 2 }));
export { code, example, executor, loaded, outputs, trainable };

// Negative controls: each line must be a type error, or tsc reports the @ts-expect-error as unused.
// @ts-expect-error a Graph is not a string
const notString: string = graph;
// @ts-expect-error dense has no "filters" param
built.op("e", "dense", built.input("y", [4]), { filters: 2 });
// @ts-expect-error runCli takes an argv array
await runCli("list", io);
export { notString };
`;

const TSCONFIG = {
  compilerOptions: {
    module: "NodeNext",
    moduleResolution: "NodeNext",
    target: "ES2022",
    strict: true,
    // NOTE: tfjs's own .d.ts files do not type-check (see TOOLCHAIN.md); ours are checked through use.
    skipLibCheck: true,
    noEmit: true,
    types: ["node"],
  },
  include: ["*.ts"],
};

/** The browser entry of the layers, bundled from the installed package; node built-ins would fail it. */
async function bundle(app, entry) {
  const file = join(app, `bundle-${entry.replace(/\W+/g, "-")}.js`);
  writeFileSync(join(app, "entry.js"), `import "${entry}";\n`);
  await build({
    absWorkingDir: app,
    entryPoints: ["entry.js"],
    bundle: true,
    platform: "browser",
    format: "esm",
    minify: true,
    outfile: file,
    external: ["@tensorflow/tfjs", "@tensorflow/tfjs-core", "@tensorflow/tfjs-layers"],
    logLevel: "silent",
  });
  return statSync(file).size;
}

async function main() {
  check("changeset status", () => {
    const out = run("npx", ["changeset", "status"], REPO_ROOT);
    const bumped = out.match(/^🦋\s+- (\S+)/gmu)?.length ?? 0;
    return `${bumped} package bumps pending from .changeset/`;
  });
  for (const w of PACKAGES) check(`npm publish --dry-run ${w}`, () => publishDryRun(w));
  for (const w of PACKAGES) check(`publint ${w}`, () => publint(w));

  let consumer;
  check("install into a fresh project", () => {
    consumer = createConsumer(work, {
      "@tensorflow/tfjs": TFJS,
      "@tensorflow/tfjs-backend-wasm": TFJS,
      "@types/node": readJson(join(REPO_ROOT, "package.json")).devDependencies["@types/node"],
    });
    return `${consumer.packs.length} tarballs and tfjs ${TFJS} in ${consumer.app}`;
  });
  if (!consumer) throw new Error("no consumer project: the remaining checks need it");
  const { app, packs } = consumer;
  for (const p of packs) check(`attw ${p.workspace}`, () => attw(p.tarball));

  const fusegraph = (...args) => run("npx", ["--no-install", "fusegraph", ...args], app);
  check("npx fusegraph --help", () => {
    const out = fusegraph("--help");
    if (!/Usage: fusegraph/.test(out)) throw new Error(`no usage line:\n${out}`);
    return "usage printed";
  });
  check("npx fusegraph list", () => {
    const out = fusegraph("list");
    const missing = ["resnet50", "unet", "fpn", "densenet121"].filter(
      (n) => !new RegExp(`^${n}\\b`, "m").test(out),
    );
    if (missing.length > 0) throw new Error(`the list lacks ${missing.join(", ")}:\n${out}`);
    return `${out.trim().split("\n").length} lines`;
  });
  check("npx fusegraph inspect resnet50", () => {
    const out = fusegraph("inspect", "resnet50");
    // torchvision's resnet50 has 25,557,032 trainable parameters.
    if (!/25,557,032|25557032/.test(out))
      throw new Error(`no 25,557,032 trainable params in:\n${out.slice(-800)}`);
    return "25,557,032 trainable params";
  });
  check("npx fusegraph compile resnet18 --backend tfjs", () => {
    fusegraph("compile", "resnet18", "--backend", "tfjs", "--out", "build/resnet18");
    const dir = join(app, "build", "resnet18");
    const json = readJson(join(dir, "model.json"));
    const bytes = statSync(join(dir, "weights.bin")).size;
    const declared = json.weightsManifest
      .flatMap((g) => g.weights)
      .reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
    if (bytes !== declared)
      throw new Error(`weights.bin has ${bytes} bytes, model.json declares ${declared}`);
    return `model.json + weights.bin (${(bytes / 2 ** 20).toFixed(1)} MiB, as model.json declares)`;
  });
  check("npx fusegraph inspect with an unknown spec exits 2 (negative control)", () => {
    try {
      fusegraph("inspect", "no-such-model");
    } catch (e) {
      if (/\(exit 2\)/.test(String(e))) return "exit 2";
    }
    throw new Error("inspect of an unknown spec succeeded");
  });

  check("strict NodeNext TypeScript consumer", () => {
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
    writeFileSync(join(app, "consumer.ts"), CONSUMER_TS);
    for (const w of PACKAGES)
      writeFileSync(join(app, `readme-${w.split("/").pop()}.ts`), workspaceExample(w).code);
    run(process.execPath, [TSC, "-p", "tsconfig.json"], app);
    // Negative control: the same check must fail on a type error in a README example.
    writeFileSync(
      join(app, "readme-broken.ts"),
      `import { graphCost } from "@fusegraph/dsl";\ngraphCost("x");\n`,
    );
    let broken = "";
    try {
      run(process.execPath, [TSC, "-p", "tsconfig.json"], app);
    } catch (e) {
      broken = String(e);
    } finally {
      rmSync(join(app, "readme-broken.ts"));
    }
    if (!/readme-broken\.ts\(2,11\): error TS2345/.test(broken)) {
      throw new Error(`a type error in a consumer file went unnoticed:\n${broken}`);
    }
    return `8 entries and ${PACKAGES.length} README examples type-check; a broken file fails with TS2345`;
  });

  const layers = await bundle(app, "@fusegraph/backend-tfjs/layers").then(
    (size) => ({ size }),
    (e) => ({ error: e }),
  );
  check("esbuild --platform=browser @fusegraph/backend-tfjs/layers", () => {
    if (layers.error) throw layers.error;
    return `${(layers.size / 1024).toFixed(1)} kB minified, tfjs external`;
  });
  const nodeEntry = await bundle(app, "@fusegraph/backend-tfjs/node").then(
    () => "bundled",
    (e) => String(e.message ?? e),
  );
  check("esbuild --platform=browser @fusegraph/backend-tfjs/node fails (negative control)", () => {
    if (!/node:|Could not resolve/.test(nodeEntry))
      throw new Error(`the node entry ${nodeEntry} for the browser`);
    return "node built-ins refused";
  });
}

try {
  await main();
} catch (e) {
  failed++;
  console.log(`package-check: FAILED — ${e instanceof Error ? e.message : String(e)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
const secs = ((Date.now() - started) / 1000).toFixed(0);
console.log(`package-check: ${failed === 0 ? "ok" : `${failed} failed`} (${secs}s)`);
process.exitCode = failed === 0 ? 0 : 1;
