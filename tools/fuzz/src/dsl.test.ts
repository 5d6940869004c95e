import { type IssueCode, loadGraph, SpecError } from "@fusegraph/dsl";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Case, dslCase } from "./cases.js";
import { ContractError, checkDocument, MAX_HEAP_GROWTH_MIB, prototypeKeys } from "./check-dsl.js";
import { checkProperty, fuzzEnv, runsFrom, Slowest, writeSummary } from "./report.js";
import { optionsFor, SEEDS } from "./seeds.js";

const RUNS = runsFrom("FUSEGRAPH_FUZZ_RUNS", 2_000);
const env = fuzzEnv();

describe("dsl fuzzer", () => {
  it(`every mutated, damaged or hostile document gives a graph or a SpecError (${RUNS} runs)`, async () => {
    console.log(`fuzz dsl: FUSEGRAPH_FUZZ_SEED=${env.seed} FUSEGRAPH_FUZZ_RUNS=${RUNS}`);
    const proto = prototypeKeys();
    const slowest = new Slowest();
    let maxHeap = 0;
    let n = 0;
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await checkProperty(
      "dsl",
      fc.property(dslCase, (c) => {
        const cost = checkDocument(c, env.perDocMs, proto);
        slowest.add(cost.ms, c);
        maxHeap = Math.max(maxHeap, cost.heapMiB);
        n++;
      }),
      RUNS,
      env,
    );
    const s = (performance.now() - t0) / 1000;
    // NOTE: CPU time as well as wall time: on a shared machine, documents per CPU-second is the figure
    // that compares between runs.
    const used = process.cpuUsage(cpu0);
    const cpu = (used.user + used.system) / 1e6;
    const rss = (process.memoryUsage().rss - rss0) / 2 ** 20;
    const maxRss = process.resourceUsage().maxRSS / 1024;
    writeSummary("dsl", env, {
      documents: n,
      seconds: s,
      cpuSeconds: cpu,
      maxHeapMiB: maxHeap,
      maxRssMiB: maxRss,
      slowest: slowest.entries(),
    });
    console.log(
      [
        `fuzz dsl: ${n} documents in ${s.toFixed(1)} s (${(n / s).toFixed(0)}/s; ${cpu.toFixed(1)} CPU s, ${(n / cpu).toFixed(0)}/CPU s); largest heap growth per document ${maxHeap.toFixed(1)} MiB (bound ${MAX_HEAP_GROWTH_MIB}); RSS +${rss.toFixed(0)} MiB, peak ${maxRss.toFixed(0)} MiB`,
        "fuzz dsl: slowest documents:",
        ...slowest.lines(),
      ].join("\n"),
    );
  }, 900_000);

  it("the checker fails a loader that breaks the contract (negative controls)", () => {
    const proto = prototypeKeys();
    // A getter that throws is the loader's to handle: sanitize turns it into invalid_spec.
    const getter: Case = {
      label: "getter",
      input: {
        get fusegraph(): never {
          throw new Error("x");
        },
      },
    };
    expect(() => checkDocument(getter, 5_000, proto)).not.toThrow();
    // A document that pollutes a prototype while it loads is reported.
    const polluting: Case = {
      label: "polluting",
      input: {
        get fusegraph(): number {
          (Object.prototype as Record<string, unknown>).fuzzPolluted = 1;
          return 1;
        },
      },
    };
    try {
      expect(() => checkDocument(polluting, 5_000, proto)).toThrow(/polluted a prototype/);
    } finally {
      delete (Object.prototype as Record<string, unknown>).fuzzPolluted;
    }
    // A document whose loading keeps 16 MiB alive fails a 4 MiB heap bound.
    const kept: Float64Array[] = [];
    const hungry: Case = {
      label: "hungry",
      input: {
        get fusegraph(): number {
          kept.push(new Float64Array(2 * 2 ** 20));
          return 1;
        },
      },
    };
    expect(() => checkDocument(hungry, 5_000, proto, 4)).toThrow(
      /heap grew \d+ MiB while loading \(bound 4 MiB\)/,
    );
    expect(kept.length).toBeGreaterThan(0);
    // A too-slow document fails the time bound (0 ms cannot be met).
    const slow: Case = { label: "slow", input: SEEDS[0]!.text, opts: optionsFor(SEEDS[0]!.file) };
    expect(() => checkDocument(slow, -1, proto)).toThrow(ContractError);
    expect(() => checkDocument(slow, -1, proto)).toThrow(/took \d+ ms/);
    // Every seed itself loads: the mutations start from valid documents.
    for (const s of SEEDS) expect(() => loadGraph(s.text, optionsFor(s.file)), s.name).not.toThrow();
    expect(prototypeKeys()).toBe(proto);
  });

  it("the checker fails a SpecError with an unknown code or no issue (negative control)", () => {
    const throwing = (e: unknown): Case => ({
      label: "proxy",
      // Throws `e` from inside the loader: the loader catches what a getter throws, so use a format option.
      input: "x: 1",
      opts: {
        get format(): never {
          throw e;
        },
      } as unknown as Case["opts"],
    });
    const bogus = new SpecError([{ code: "bogus" as IssueCode, severity: "error", path: [], message: "m" }]);
    const proto = prototypeKeys();
    expect(() => checkDocument(throwing(bogus), 5_000, proto)).toThrow(/unknown issue code "bogus"/);
    expect(() => checkDocument(throwing(new SpecError([])), 5_000, proto)).toThrow(/without issues/);
    expect(() => checkDocument(throwing(new TypeError("t")), 5_000, proto)).toThrow(
      /TypeError: t \(not a SpecError\)/,
    );
  });
});
