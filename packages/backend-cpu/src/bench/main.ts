/**
 * `npm run bench`: fusegraph's CPU executor beside the same networks built directly with tfjs layers on
 * tfjs's cpu and wasm backends. Each engine runs in its own process (peak RSS per engine); runs are
 * interleaved round by round after warm-up, and medians are reported with ratios.
 * Options (env): BENCH_ROUNDS (default 5 for the conv, 3 for ResNet-50), BENCH_ONLY=conv3x3|resnet50.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { EngineName, EngineReply, EngineRequest, NetworkName } from "./engine.js";

const ENGINES: EngineName[] = ["fusegraph-cpu", "tfjs-cpu", "tfjs-wasm"];
const WORKLOADS: { network: NetworkName; title: string; warmup: number; rounds: number; gmacs: number }[] = [
  { network: "conv3x3", title: "3x3 conv 64->64 at 56x56, batch 1", warmup: 10, rounds: 10, gmacs: 0.1156 },
  { network: "resnet50", title: "ResNet-50 at 224x224, batch 1", warmup: 1, rounds: 3, gmacs: 3.86 },
];

class Engine {
  private readonly child: ChildProcess;
  private pending: ((r: EngineReply) => void)[] = [];
  readonly ready: Promise<EngineReply>;

  constructor(
    readonly name: EngineName,
    network: NetworkName,
  ) {
    this.child = fork(fileURLToPath(new URL("./engine.js", import.meta.url)), [network, name], {
      silent: true,
    });
    this.ready = this.next();
    this.child.on("message", (m: EngineReply) => this.pending.shift()?.(m));
    this.child.on("exit", (code) => {
      for (const p of this.pending) p({ kind: "error", message: `${name} exited with code ${code}` });
      this.pending = [];
    });
  }

  private next(): Promise<EngineReply> {
    return new Promise((resolve) => this.pending.push(resolve));
  }

  async ask(req: EngineRequest): Promise<EngineReply> {
    const reply = this.next();
    this.child.send(req);
    const r = await reply;
    if (r.kind === "error") throw new Error(`${this.name}: ${r.message}`);
    return r;
  }

  close(): void {
    this.child.send({ cmd: "exit" } satisfies EngineRequest);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function maxAbsDiff(a: number[], b: number[]): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - (b[i] ?? Number.NaN)));
  return d;
}

async function bench(w: (typeof WORKLOADS)[number]): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? w.rounds);
  console.log(`\n## ${w.title} (${w.warmup} warm-up, ${rounds} interleaved rounds)`);
  const engines = ENGINES.map((e) => new Engine(e, w.network));
  try {
    const prep = new Map<EngineName, number>();
    for (const e of engines) {
      const r = await e.ready;
      if (r.kind !== "ready") throw new Error(`${e.name}: ${r.kind === "error" ? r.message : r.kind}`);
      prep.set(e.name, r.prepareMs);
    }
    const outputs = new Map<EngineName, number[]>();
    for (let i = 0; i < w.warmup; i++) {
      for (const e of engines) {
        const r = await e.ask({ cmd: "run", wantOutput: i === 0 });
        if (r.kind === "ran" && r.output) outputs.set(e.name, r.output);
      }
    }
    const times = new Map<EngineName, number[]>(ENGINES.map((e) => [e, []]));
    for (let round = 0; round < rounds; round++) {
      // Rotate who goes first so no engine always runs right after another's allocations.
      for (let j = 0; j < engines.length; j++) {
        const e = engines[(round + j) % engines.length]!;
        const r = await e.ask({ cmd: "run", wantOutput: false });
        if (r.kind === "ran") times.get(e.name)!.push(r.ms);
      }
    }
    const rss = new Map<EngineName, number>();
    for (const e of engines) {
      const r = await e.ask({ cmd: "stats" });
      if (r.kind === "stats") rss.set(e.name, r.maxRssMb);
    }
    const ours = median(times.get("fusegraph-cpu")!);
    const ref = outputs.get("fusegraph-cpu") ?? [];
    console.log(
      "| engine | median ms | min ms | GMAC/s | tfjs time / fusegraph time | peak RSS MB | prepare ms | max |Δ| vs fusegraph |",
    );
    console.log("|---|---|---|---|---|---|---|---|");
    for (const name of ENGINES) {
      const t = times.get(name)!;
      const m = median(t);
      const diff = name === "fusegraph-cpu" ? "—" : maxAbsDiff(ref, outputs.get(name) ?? []).toExponential(2);
      console.log(
        `| ${name} | ${m.toFixed(1)} | ${Math.min(...t).toFixed(1)} | ${(w.gmacs / (m / 1000)).toFixed(2)} | ${(m / ours).toFixed(2)}x | ${rss.get(name)?.toFixed(0)} | ${prep.get(name)?.toFixed(0)} | ${diff} |`,
      );
    }
    const cpu = median(times.get("tfjs-cpu")!);
    const wasm = median(times.get("tfjs-wasm")!);
    console.log(
      `fusegraph-cpu is ${(cpu / ours).toFixed(2)}x faster than tfjs-cpu and ${ours <= wasm ? `${(wasm / ours).toFixed(2)}x faster than` : `${(ours / wasm).toFixed(2)}x slower than`} tfjs-wasm.`,
    );
  } finally {
    for (const e of engines) e.close();
  }
}

// NOTE: scripts/bench.mjs passes BENCH_ONLY=cpu for this whole section; only a workload name selects one.
const only = WORKLOADS.find((w) => w.network === process.env.BENCH_ONLY)?.network;
console.log(`# fusegraph bench (node ${process.version}, ${process.arch})`);
for (const w of WORKLOADS) if (!only || only === w.network) await bench(w);
