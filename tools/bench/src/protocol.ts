import type { EngineId } from "./engines.js";
import type { NetworkId } from "./networks.js";

/** What the parent tells one engine process. `dump` writes the outputs (float32, graph order) there. */
export type ChildRequest =
  | { cmd: "run"; dump?: string }
  | { cmd: "profile" }
  | { cmd: "stats" }
  | { cmd: "exit" };

export interface ProfileRow {
  kind: string;
  calls: number;
  ms: number;
  share: number;
  gmacPerSecond: number | null;
  fused: Record<string, number>;
}

export type ChildReply =
  | { kind: "ready"; prepareMs: number; threads: number; detail: string }
  | { kind: "ran"; ms: number; cpuMs: number; outputLengths?: number[] }
  | { kind: "profile"; totalMs: number; rows: ProfileRow[] }
  | { kind: "stats"; maxRssMb: number }
  | { kind: "error"; message: string };

/** argv of an engine process: network, batch, engine, threads for the "all threads" engines. */
export interface ChildArgs {
  network: NetworkId;
  batch: number;
  engine: EngineId;
  threads: number;
}

export function childArgv(a: ChildArgs): string[] {
  return [a.network, String(a.batch), a.engine, String(a.threads)];
}
