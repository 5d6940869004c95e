import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { curvesSvg } from "@fusegraph/train";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ABLATION_COMMAND,
  ABLATION_CONFIG,
  ABLATION_PAGE_PATH,
  type AblationDoc,
  chartPath,
  renderAblationPage,
  renderChart,
} from "../src/train/ablation-page.js";
import { REPO_ROOT, run } from "./helpers.js";

// docs/ablation.md is trained, so this test never retrains: the generator stored its raw reports in
// docs/ablation.json, and the page and charts must be what that file renders to, with the costs that
// `fusegraph compare` gives today and the config the generator has today.

const read = (p: string) => readFileSync(resolve(REPO_ROOT, p), "utf8");
let doc: AblationDoc;

beforeAll(() => {
  doc = JSON.parse(read("docs/ablation.json")) as AblationDoc;
});

const stale = (what: string) =>
  `${what}\nRegenerate the page (it retrains, a few minutes) from the repository root with:\n  ${ABLATION_COMMAND}`;

/** Where the stored page or charts differ from what the stored reports render to. */
function renderProblems(d: AblationDoc, page: string, charts: (id: string) => string): string[] {
  const out: string[] = [];
  if (page !== renderAblationPage(d))
    out.push(`${ABLATION_PAGE_PATH} is not the render of docs/ablation.json`);
  for (const r of d.runs) {
    if (charts(r.id) !== renderChart(r.report, curvesSvg)) out.push(`docs/${chartPath(r.id)} is stale`);
  }
  return out;
}

/** Each stored variant's params and MACs against `fusegraph compare --json` for the same switch now. */
async function costProblems(d: AblationDoc): Promise<string[]> {
  const out: string[] = [];
  for (const r of d.runs) {
    const cfg = ABLATION_CONFIG.runs.find((c) => c.id === r.id);
    if (!cfg) {
      out.push(`run ${r.id} is not in the generator's config`);
      continue;
    }
    const yaml = "yaml" in cfg ? cfg.yaml : undefined;
    const only = "only" in cfg && cfg.only ? ["--only", cfg.only.join(",")] : [];
    for (const v of r.report.variants) {
      const spec = yaml !== undefined ? "-" : cfg.spec;
      const c = await run(
        ["compare", spec, "--merge", v.merge, ...only, "--json"],
        yaml !== undefined ? { stdin: yaml } : {},
      );
      if (!v.feasible) {
        // compare refuses the same switches (a task that no longer fits is ablate's own reason).
        if (c.code === 0 && !/^task /.test(v.reason ?? ""))
          out.push(`${r.id}/${v.merge}: compare now accepts it`);
        continue;
      }
      const after = (JSON.parse(c.stdout) as { after?: { params: { total: number }; macs: number } }).after;
      if (after?.params.total !== v.params || after.macs !== v.macs) {
        out.push(
          `${r.id}/${v.merge}: stored ${v.params} params, ${v.macs} MACs; compare gives ${after?.params.total}, ${after?.macs}`,
        );
      }
    }
  }
  return out;
}

/** The stored config (and each report's spec, task, epochs, seeds) against the generator's. */
function configProblems(d: AblationDoc): string[] {
  const out: string[] = [];
  if (JSON.stringify(d.config) !== JSON.stringify(ABLATION_CONFIG))
    out.push("the generator's config changed");
  ABLATION_CONFIG.runs.forEach((cfg, i) => {
    const r = d.runs[i]?.report;
    const seeds = Array.from({ length: ABLATION_CONFIG.seeds }, (_, k) => ABLATION_CONFIG.seed + k);
    const want = [
      cfg.id,
      cfg.spec,
      cfg.task,
      ABLATION_CONFIG.epochs,
      JSON.stringify(seeds),
      cfg.merges.join(),
    ];
    const got = [
      d.runs[i]?.id,
      r?.spec,
      r?.task,
      r?.epochs,
      JSON.stringify(r?.seeds),
      r?.variants.map((v) => v.merge).join(),
    ];
    if (JSON.stringify(want) !== JSON.stringify(got))
      out.push(`run ${cfg.id}: stored ${got.join(" ")}, want ${want.join(" ")}`);
  });
  return out;
}

const charts = (id: string) => read(`docs/${chartPath(id)}`);

describe("docs/ablation.md", () => {
  it("is the render of docs/ablation.json, charts included", () => {
    const problems = renderProblems(doc, read(ABLATION_PAGE_PATH), charts);
    if (problems.length > 0) expect.fail(stale(problems.join("\n")));
  });

  it("has the params and MACs fusegraph compare gives today for every switch", async () => {
    const problems = await costProblems(doc);
    if (problems.length > 0) expect.fail(stale(problems.join("\n")));
  }, 60_000);

  it("was generated with the generator's current config", () => {
    const problems = configProblems(doc);
    if (problems.length > 0) expect.fail(stale(problems.join("\n")));
  });

  it("every run trained at least two variants", () => {
    for (const r of doc.runs)
      expect(r.report.variants.filter((v) => v.feasible).length, r.id).toBeGreaterThanOrEqual(2);
  });
});

describe("docs/ablation.md checks: negative controls", () => {
  const copy = (): AblationDoc => JSON.parse(JSON.stringify(doc)) as AblationDoc;

  it("a changed number in the json makes the page stale", () => {
    const d = copy();
    const v = d.runs[0]!.report.variants[0]!;
    v.metric = { ...v.metric, mean: v.metric.mean + 0.5 };
    expect(renderProblems(d, read(ABLATION_PAGE_PATH), charts)).not.toEqual([]);
  });

  it("a cost that differs from compare's is caught", async () => {
    const d = copy();
    const v = d.runs[0]!.report.variants.find((x) => x.feasible)!;
    v.macs += 1;
    expect(await costProblems(d)).toHaveLength(1);
  }, 60_000);

  it("a config that differs from the generator's is caught", () => {
    const d = copy();
    (d.config as { epochs: number }).epochs += 1;
    d.runs[1]!.report.task = "shapes";
    expect(configProblems(d).length).toBeGreaterThanOrEqual(2);
  });
});
