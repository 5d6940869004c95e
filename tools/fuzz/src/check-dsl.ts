import { loadGraph, SpecError } from "@fusegraph/dsl";
import type { Case } from "./cases.js";
import { KNOWN_CODES } from "./seeds.js";

/**
 * Heap (JS heap plus external memory) a single document may leave grown, measured from just before to just after loading it (garbage
 * not yet collected counts too). NOTE: measured on this machine over 26,000 documents, the largest
 * growth was 30 MiB (a ~1 MB mutated JSON text); 256 MiB leaves room for GC timing while catching a
 * document that makes the loader build something huge.
 */
export const MAX_HEAP_GROWTH_MIB = 256;

/** What one document cost. */
export interface DocCost {
  ms: number;
  heapMiB: number;
}

/** A failure of the fuzz contract (as opposed to an assertion library's error). */
export class ContractError extends Error {
  override readonly name = "ContractError";
}

/** Object.prototype's and Array.prototype's own keys, to notice pollution. */
export function prototypeKeys(): string {
  const keys = (o: object) => Reflect.ownKeys(o).map(String).sort().join(",");
  return `${keys(Object.prototype)}|${keys(Array.prototype)}`;
}

/** JS heap plus memory held outside it (ArrayBuffers, strings' external data), in bytes. */
function heapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** The loader contract for one document: a graph, or a SpecError with at least one issue, all known codes. */
export function loadOnce(c: Case): DocCost {
  const heap0 = heapBytes();
  const t0 = performance.now();
  try {
    loadGraph(c.input as string, c.opts);
  } catch (e) {
    if (!(e instanceof SpecError)) {
      const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      throw new ContractError(`${c.label}: threw ${what} (not a SpecError)`);
    }
    if (e.issues.length === 0) throw new ContractError(`${c.label}: SpecError without issues`);
    for (const i of e.issues)
      if (!KNOWN_CODES.has(i.code)) throw new ContractError(`${c.label}: unknown issue code "${i.code}"`);
  }
  const ms = performance.now() - t0;
  return { ms, heapMiB: (heapBytes() - heap0) / 2 ** 20 };
}

/**
 * {@link loadOnce} within `perDocMs` and `maxHeapMiB` (default {@link MAX_HEAP_GROWTH_MIB}), without touching the prototypes.
 * NOTE: a slow document is timed once more before failing, so a pause caused by other processes
 * sharing the cores is not reported; real slowness repeats.
 */
export function checkDocument(
  c: Case,
  perDocMs: number,
  protoBefore: string,
  maxHeapMiB: number = MAX_HEAP_GROWTH_MIB,
): DocCost {
  let cost = loadOnce(c);
  if (cost.ms > perDocMs) {
    cost = loadOnce(c);
    if (cost.ms > perDocMs)
      throw new ContractError(`${c.label}: took ${cost.ms.toFixed(0)} ms (twice over ${perDocMs} ms)`);
  }
  if (cost.heapMiB > maxHeapMiB)
    throw new ContractError(
      `${c.label}: heap grew ${cost.heapMiB.toFixed(0)} MiB while loading (bound ${maxHeapMiB} MiB)`,
    );
  if (prototypeKeys() !== protoBefore) throw new ContractError(`${c.label}: polluted a prototype`);
  if (({} as Record<string, unknown>).polluted !== undefined)
    throw new ContractError(`${c.label}: Object.prototype.polluted is set`);
  return cost;
}
