import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initWeights } from "@fusegraph/dsl";
import type { Metafile } from "esbuild";
import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPage } from "../build.mjs";
import { serveDir } from "../serve.mjs";
import type { HarnessTensor } from "../src/harness.js";
import { type AgreementRow, formatAgreement, relativeError } from "./agreement.js";
import { CHROMIUM, type Chromium, launchChromium } from "./chromium.js";
import {
  type BuiltModel,
  buildModel,
  type ModelFormat,
  modelCases,
  runReference,
  WEIGHT_SEED,
} from "./models.js";

/** The bound of the brief: max|Δ| / max|ref| per output. */
const TOLERANCE = 1e-4;
const BACKENDS = ["cpu", "webgl", "wasm"] as const;
const results = fileURLToPath(new URL("../test-results/", import.meta.url));

// Skip only on a developer machine without chromium; in CI (CI=true) a missing browser fails.
const inCi = process.env.CI === "true";
const hasChromium = existsSync(CHROMIUM);

const cases = modelCases();
const rows: AgreementRow[] = [];

let site = "";
let metafile: Metafile;
const models: BuiltModel[] = [];
let server: Awaited<ReturnType<typeof serveDir>> | undefined;
let chromium: Chromium | undefined;

function built(name: string): BuiltModel {
  const m = models.find((x) => x.name === name);
  if (!m) throw new Error(`model "${name}" was not built (see beforeAll)`);
  return m;
}

/** The served path of a model's model.json in `format`; rethrows the error that kept it from compiling. */
function fileOf(m: BuiltModel, format: ModelFormat): string {
  const f = m.files[format];
  if (f instanceof Error) throw f;
  return f;
}

interface PageRun {
  page: Page;
  state: string | undefined;
  status: string;
  errors: string[];
}

/** Opens the example page and waits until it has run its model or failed. */
async function visit(query: string): Promise<PageRun> {
  if (!chromium || !server) throw new Error("the browser or the server did not start (see beforeAll)");
  const page = await chromium.browser.newPage();
  await page.setViewport({ width: 640, height: 520 });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${server.url}index.html?${query}`);
  // NOTE: SwiftShader compiles tfjs's shaders on the CPU: a first webgl run takes seconds, more when busy.
  await page.waitForFunction(() => document.body.dataset.state !== "loading", {
    polling: 100,
    timeout: 240_000,
  });
  const state = await page.evaluate(() => document.body.dataset.state);
  const status = await page.$eval("#status", (e) => e.textContent ?? "");
  return { page, state, status, errors };
}

/** {@link visit}, failing unless the page ran its model. */
async function openPage(query: string): Promise<Page> {
  const run = await visit(query);
  if (run.state !== "done") {
    await run.page.close();
    throw new Error(`the page ended in state ${run.state}: ${run.status} ${run.errors.join("; ")}`);
  }
  return run.page;
}

/** Loads a model.json in the page and runs it on the model's seeded inputs. */
async function runInPage(
  page: Page,
  url: string,
  inputs: readonly HarnessTensor[],
): Promise<HarnessTensor[]> {
  return page.evaluate(
    async (u, xs) => {
      const web = window.fusegraphWeb!;
      await web.load(u);
      try {
        return await web.predict(u, xs);
      } finally {
        web.dispose(u);
      }
    },
    url,
    inputs as HarnessTensor[],
  );
}

/** Runs `model`'s `format` file in the page, checks every output against backend-cpu, records the row. */
async function expectAgrees(page: Page, backend: string, model: BuiltModel, format: ModelFormat) {
  const url = fileOf(model, format);
  const inputs = model.inputs.map((t) => ({ shape: [...t.shape], data: Array.from(t.data) }));
  const got = await runInPage(page, url, inputs);
  expect(got.map((t) => t.shape)).toEqual(model.reference.map((t) => [...t.shape]));
  let maxRel = 0;
  let maxAbs = 0;
  model.graph.outputs.forEach((id, k) => {
    const { abs, rel, scale } = relativeError(got[k]!.data, model.reference[k]!.data);
    expect(scale, `output "${id}" carries signal`).toBeGreaterThan(0);
    maxRel = Math.max(maxRel, rel);
    maxAbs = Math.max(maxAbs, abs);
  });
  rows.push({ model: model.name, backend, format, maxRelError: maxRel, maxAbsError: maxAbs });
  expect(maxRel, `${model.name} ${format} on ${backend}: max|Δ|/max|ref|`).toBeLessThanOrEqual(TOLERANCE);
}

describe.skipIf(!hasChromium && !inCi)(
  "a real browser (headless chromium) runs compiled fusegraph models",
  () => {
    beforeAll(async () => {
      if (!hasChromium) {
        throw new Error(`${CHROMIUM} is missing; install it with apt-get install -y chromium (.ci/run does)`);
      }
      site = await mkdtemp(join(tmpdir(), "fusegraph-web-"));
      metafile = await buildPage({ outdir: site, source: true, minify: false });
      for (const c of cases) models.push(await buildModel(site, c));
      server = await serveDir(site);
      chromium = await launchChromium();
    }, 600_000);

    afterAll(async () => {
      await chromium?.close();
      await server?.close();
      if (site) await rm(site, { recursive: true, force: true });
      if (rows.length > 0) {
        await mkdir(results, { recursive: true });
        await writeFile(
          join(results, "agreement.json"),
          `${JSON.stringify({ tolerance: TOLERANCE, rows }, null, 2)}\n`,
        );
        console.log(
          `max|Δ|/max|ref| against backend-cpu (tolerance ${TOLERANCE}):\n${formatAgreement(rows, BACKENDS)}`,
        );
      }
    });

    it("bundles plain.js from @tensorflow/tfjs alone and app.js with fusegraph's layers", () => {
      const fusegraphSources = (bundle: string) =>
        Object.keys(
          metafile.outputs[Object.keys(metafile.outputs).find((o) => o.endsWith(`${bundle}.js`))!]!.inputs,
        ).filter((f) => f.includes("packages/"));
      expect(fusegraphSources("plain")).toEqual([]);
      // Control: the same check finds the layers in the app bundle.
      expect(fusegraphSources("app")).toContain("../../packages/backend-tfjs/src/layers/register.ts");
    });

    it("portable model.json files name only tfjs built-in layer classes; trainable ones name fusegraph's", () => {
      const classes = (path: string) => {
        const json = JSON.parse(readFileSync(join(site, path), "utf8")) as {
          modelTopology: { config: { layers: { class_name: string }[] } };
        };
        return new Set(json.modelTopology.config.layers.map((l) => l.class_name));
      };
      for (const m of models) {
        expect(
          [...classes(fileOf(m, "portable"))].filter((c) => c.startsWith("Fusegraph")),
          m.name,
        ).toEqual([]);
      }
      // Control: tiny-hed's weightedAdd is a fusegraph class in the trainable format.
      expect([...classes(fileOf(built("tiny-hed"), "trainable"))]).toContain("FusegraphWeightedAdd");
    });

    it("the agreement check notices a model that computes something else", () => {
      // Control for every agreement test below: backend-cpu with other weights disagrees far beyond 1e-4.
      const m = built("tiny-hed");
      const other = runReference(m.graph, initWeights(m.graph, { seed: WEIGHT_SEED + 100 }), m.inputs);
      expect(relativeError(other[0]!.data, m.reference[0]!.data).rel).toBeGreaterThan(100 * TOLERANCE);
    });

    it("the page reports a backend it cannot run instead of falling back", async () => {
      // Control for the backend checks below: a wrong ?backend= must not end as a quiet cpu run.
      const run = await visit("backend=metal&model=models/tiny-hed/trainable/model.json");
      await run.page.close();
      expect(run.state).toBe("error");
      expect(run.status).toMatch(/unknown backend "metal".*cpu, webgl, wasm/);
    });

    describe.each(BACKENDS)("on the %s backend", (backend) => {
      // Opened on first use, so a page that fails fails only the tests that need it.
      const pages = new Map<string, Promise<Page>>();
      const pageFor = (bundle: "layers" | "plain"): Promise<Page> => {
        let p = pages.get(bundle);
        if (!p) {
          const model = `models/tiny-hed/${bundle === "plain" ? "portable" : "trainable"}/model.json`;
          p = openPage(`backend=${backend}&model=${model}${bundle === "plain" ? "&bundle=plain" : ""}`);
          pages.set(bundle, p);
        }
        return p;
      };
      afterAll(async () => {
        for (const p of pages.values()) await p.then((page) => page.close()).catch(() => undefined);
      });

      it("the example page runs tiny-hed and shows its edge map, the backend and the time", async () => {
        const layersPage = await pageFor("layers");
        for (const page of [layersPage, await pageFor("plain")]) {
          expect(await page.evaluate(() => window.fusegraphWeb!.backend())).toBe(backend);
          const status = await page.$eval("#status", (e) => e.textContent ?? "");
          expect(status).toMatch(new RegExp(`on ${backend}.* ms per inference`));
          const ms = Number(await page.evaluate(() => document.body.dataset.inferenceMs));
          expect(ms).toBeGreaterThan(0);
        }
        if (backend === "webgl") {
          await mkdir(results, { recursive: true });
          // NOTE: a page behind another paints no frames, and a screenshot of it waits for one.
          await layersPage.bringToFront();
          await layersPage.screenshot({ path: join(results, "page.png") });
        }
      });

      it.for(cases.map((c) => c.name))(
        "%s: the trainable model.json loads through ./layers and agrees",
        async (name) => {
          const m = built(name);
          await expectAgrees(await pageFor("layers"), backend, m, "trainable");
        },
      );

      it.for(cases.map((c) => c.name))(
        "%s: the portable model.json loads with plain tfjs and agrees",
        async (name) => {
          const m = built(name);
          await expectAgrees(await pageFor("plain"), backend, m, "portable");
        },
      );

      it('without the ./layers import, the trainable model.json fails with "Unknown layer"', async () => {
        const url = fileOf(built("tiny-hed"), "trainable");
        const load = (await pageFor("plain")).evaluate(
          (u) => window.fusegraphWeb!.load(u).then(() => "loaded"),
          url,
        );
        await expect(load).rejects.toThrow(/Unknown layer/);
      });
    });
  },
);
