import type { EngineId } from "./engines.js";
import type { Machine } from "./machine.js";
import type { NetworkId } from "./networks.js";
import type { ProfileRow } from "./protocol.js";
import type { Spread } from "./stats.js";

/** One engine on one network and batch. Times are ms per forward pass (outputs read back included). */
export interface EngineResult {
  engine: EngineId;
  label: string;
  /** Present when the engine could not be built or run; it then has no times. */
  error?: string;
  threads?: number;
  detail?: string;
  prepareMs?: number;
  timesMs: number[];
  /** median, min, max of timesMs. */
  time?: Spread;
  /** Per-round time / the baseline's time in the same round (median, min, max); absent for the baseline. */
  ratio?: Spread;
  /** Median of per-round CPU time / wall time (the parallelism actually achieved). */
  cpuPerWall?: number;
  peakRssMb?: number;
  /** Output agreement with backend-cpu (see stats.maxRelError); NaN when the outputs cannot be compared. */
  maxRelError?: number;
  /** false when maxRelError exceeds the tolerance: its timings are flagged in every table. */
  agrees?: boolean;
}

export interface CaseResult {
  network: NetworkId;
  title: string;
  batch: number;
  gmacs: number;
  warmup: number;
  rounds: number;
  engines: EngineResult[];
  profile?: { engine: EngineId; totalMs: number; rows: ProfileRow[] };
}

export interface BenchResult {
  schema: 1;
  date: string;
  mode: "quiet" | "busy";
  machine: Machine;
  baseline: EngineId;
  reference: EngineId;
  tolerance: number;
  notes: string[];
  cases: CaseResult[];
  wallSeconds: number;
}
