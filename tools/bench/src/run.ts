import { type ChildProcess, fork, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { graphCost, loadGraph } from "@fusegraph/dsl";
import { BASELINE, type EngineId, engineInfo, enginesFor, REFERENCE } from "./engines.js";
import { loadAverage, machine } from "./machine.js";
import { type NetworkId, network } from "./networks.js";
import { type ChildReply, type ChildRequest, childArgv } from "./protocol.js";
import type { BenchResult, CaseResult, EngineResult } from "./result.js";
import { maxRelError, median, roundRatios, spread } from "./stats.js";

export interface BenchOptions {
  networks: readonly NetworkId[];
  /** Batches per network; undefined: each network's default batches. */
  batches?: readonly number[];
  engines: readonly EngineId[];
  warmup: number;
  rounds: number;
  busy: boolean;
  profile: boolean;
  /** The compiled child.js (or a bundle of it). */
  childScript: string;
  /** Threads of the "all threads" engines (default: the cores available). */
  threads?: number;
  /** Max relative output error before an engine is flagged (1e-4, the issue's bound). */
  tolerance?: number;
  /** Progress lines (the CLI passes stderr). */
  log?: (line: string) => void;
}

const CHILD_TIMEOUT_MS = 15 * 60_000;

/** One long-lived engine process; `ask` sends one request and waits for its reply. */
class EngineProcess {
  private readonly child: ChildProcess;
  private waiting: ((r: ChildReply) => void) | undefined;
  private stderr = "";
  readonly ready: Promise<ChildReply>;

  constructor(
    readonly engine: EngineId,
    script: string,
    argv: string[],
  ) {
    this.child = fork(script, argv, { stdio: ["ignore", "ignore", "pipe", "ipc"] });
    this.child.stderr?.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.ready = this.reply();
    this.child.on("message", (m: ChildReply) => this.settle(m));
    this.child.on("exit", (code, signal) => {
      const tail = this.stderr.trim().split("\n").slice(-3).join(" | ");
      this.settle({ kind: "error", message: `process exited (${code ?? signal})${tail ? `: ${tail}` : ""}` });
    });
  }

  private settle(r: ChildReply): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.(r);
  }

  private reply(): Promise<ChildReply> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => resolve({ kind: "error", message: `no reply in ${CHILD_TIMEOUT_MS / 60_000} min` }),
        CHILD_TIMEOUT_MS,
      );
      this.waiting = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
    });
  }

  ask(req: ChildRequest): Promise<ChildReply> {
    if (!this.child.connected) return Promise.resolve({ kind: "error", message: "process is gone" });
    const r = this.reply();
    this.child.send(req);
    return r;
  }

  close(): void {
    if (this.child.connected) this.child.send({ cmd: "exit" } satisfies ChildRequest);
    // NOTE: a child stuck in a long run never reads "exit"; kill it by its own pid.
    setTimeout(() => this.child.exitCode === null && this.child.kill("SIGKILL"), 2000).unref();
  }
}

function readOutputs(path: string, lengths: readonly number[]): Float32Array[] {
  const buf = readFileSync(path);
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const out: Float32Array[] = [];
  let at = 0;
  for (const n of lengths) {
    out.push(all.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** Runs one network at one batch: every engine in its own process, rounds interleaved. */
async function runCase(
  id: NetworkId,
  batch: number,
  opts: BenchOptions,
  threads: number,
  dir: string,
): Promise<CaseResult> {
  const net = network(id);
  if (!net) throw new Error(`unknown network ${id}`);
  const log = opts.log ?? (() => {});
  const graph = loadGraph(net.spec());
  const gmacs = (graphCost(graph).total.macs * batch) / 1e9;
  const ids = enginesFor(id, batch, opts.engines);
  const results = new Map<EngineId, EngineResult>(
    ids.map((e) => [e, { engine: e, label: engineInfo(e)?.label ?? e, timesMs: [] }]),
  );
  const cpuRatios = new Map<EngineId, number[]>(ids.map((e) => [e, []]));
  const live: EngineProcess[] = [];
  const fail = (e: EngineId, message: string) => {
    const r = results.get(e);
    if (r && !r.error) r.error = message.split("\n")[0]?.slice(0, 300) ?? message;
  };
  const caseResult: CaseResult = {
    network: id,
    title: net.title,
    batch,
    gmacs,
    warmup: opts.warmup,
    rounds: opts.rounds,
    engines: [...results.values()],
  };
  try {
    // Start engines one after another: building in parallel would make setup compete for the cores.
    for (const e of ids) {
      const p = new EngineProcess(e, opts.childScript, childArgv({ network: id, batch, engine: e, threads }));
      const r = await p.ready;
      if (r.kind !== "ready") {
        fail(e, r.kind === "error" ? r.message : `unexpected ${r.kind}`);
        p.close();
        continue;
      }
      Object.assign(results.get(e) as EngineResult, {
        threads: r.threads,
        detail: r.detail,
        prepareMs: r.prepareMs,
      });
      live.push(p);
      log(`  ${e}: ready in ${(r.prepareMs / 1000).toFixed(1)} s`);
    }
    const outputs = new Map<EngineId, number[]>();
    for (let w = 0; w < Math.max(1, opts.warmup); w++) {
      for (const p of live) {
        const dump = w === 0 ? join(dir, `${p.engine}.f32`) : undefined;
        const r = await p.ask(dump ? { cmd: "run", dump } : { cmd: "run" });
        if (r.kind === "error") fail(p.engine, r.message);
        else if (r.kind === "ran" && r.outputLengths) outputs.set(p.engine, r.outputLengths);
      }
    }
    // Agreement with backend-cpu, one engine at a time (an FPN-512 output is hundreds of MB at batch 8).
    // NOTE: if the 1-thread executor failed, the all-threads one is the reference (same kernels).
    const refId = [REFERENCE, "fg-cpu-all" as const].find((e) => outputs.has(e));
    const refLengths = refId && outputs.get(refId);
    const ref = refId && refLengths ? readOutputs(join(dir, `${refId}.f32`), refLengths) : undefined;
    for (const [e, lengths] of outputs) {
      const r = results.get(e) as EngineResult;
      if (!ref) continue;
      r.maxRelError = e === refId ? 0 : maxRelError(ref, readOutputs(join(dir, `${e}.f32`), lengths));
      r.agrees = r.maxRelError <= (opts.tolerance ?? 1e-4);
      rmSync(join(dir, `${e}.f32`), { force: true });
    }
    const running = live.filter((p) => !results.get(p.engine)?.error);
    for (let round = 0; round < opts.rounds; round++) {
      // Rotate who goes first, so no engine always runs right after the same neighbour.
      for (let j = 0; j < running.length; j++) {
        const p = running[(round + j) % running.length] as EngineProcess;
        const r = results.get(p.engine) as EngineResult;
        if (r.error) continue;
        const reply = await p.ask({ cmd: "run" });
        if (reply.kind !== "ran") {
          fail(p.engine, reply.kind === "error" ? reply.message : `unexpected ${reply.kind}`);
          continue;
        }
        r.timesMs.push(reply.ms);
        cpuRatios.get(p.engine)?.push(reply.cpuMs / reply.ms);
      }
      log(`  round ${round + 1}/${opts.rounds} done (load ${loadAverage()[0].toFixed(2)})`);
    }
    if (opts.profile) {
      const p = live.find((x) => x.engine === "fg-cpu-all") ?? live.find((x) => x.engine === "fg-cpu-1t");
      const r = p ? await p.ask({ cmd: "profile" }) : undefined;
      if (p && r?.kind === "profile")
        caseResult.profile = { engine: p.engine, totalMs: r.totalMs, rows: r.rows };
    }
    for (const p of live) {
      const r = await p.ask({ cmd: "stats" });
      if (r.kind === "stats") (results.get(p.engine) as EngineResult).peakRssMb = r.maxRssMb;
    }
  } finally {
    for (const p of live) p.close();
  }
  const base = results.get(BASELINE);
  for (const r of results.values()) {
    if (r.timesMs.length === 0) continue;
    r.time = spread(r.timesMs);
    r.cpuPerWall = median(cpuRatios.get(r.engine) ?? []);
    if (base && base.timesMs.length > 0 && r.engine !== BASELINE) {
      r.ratio = spread(roundRatios(r.timesMs, base.timesMs));
    }
  }
  return caseResult;
}

/**
 * A CPU-bound neighbour process for busy mode, killed by its own pid at the end; it also exits by itself
 * once orphaned (its parent id changes), so a bench that is killed does not leave it spinning.
 */
const NEIGHBOUR =
  "const p = process.ppid; let x = 0; for (let i = 1; ; i++) { x = (x * 1103515245 + 12345) % 2147483648; " +
  "if ((i & 0xffffff) === 0 && process.ppid !== p) process.exit(0); }";

function startNeighbour(): ChildProcess {
  return spawn(process.execPath, ["-e", NEIGHBOUR], {
    stdio: "ignore",
  });
}

export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  const started = performance.now();
  const m = machine();
  const threads = opts.threads ?? availableParallelism();
  const neighbour = opts.busy ? startNeighbour() : undefined;
  const dir = mkdtempSync(join(tmpdir(), "fusegraph-bench-"));
  const notes: string[] = [];
  const cases: CaseResult[] = [];
  try {
    for (const id of opts.networks) {
      const net = network(id);
      if (!net) throw new Error(`unknown network ${id}`);
      if (!opts.batches && net.note) notes.push(`${net.title}: ${net.note}`);
      for (const batch of opts.batches ?? net.batches) {
        opts.log?.(`${net.title}, batch ${batch}`);
        cases.push(await runCase(id, batch, opts, threads, dir));
      }
    }
  } finally {
    neighbour?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
  m.loadAfter = loadAverage();
  if (opts.engines.includes("tfjs-cpu"))
    notes.push("tfjs-cpu runs ResNet-50 at batch 1 only (too slow for more).");
  notes.push("tfjs-wasm is single-threaded in Node (its multithreading needs a browser).");
  return {
    schema: 1,
    date: new Date().toISOString(),
    mode: opts.busy ? "busy" : "quiet",
    machine: m,
    baseline: BASELINE,
    reference: REFERENCE,
    tolerance: opts.tolerance ?? 1e-4,
    notes,
    cases,
    wallSeconds: (performance.now() - started) / 1000,
  };
}
