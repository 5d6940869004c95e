/**
 * Liveness-based buffer planning: every value lives in one shared arena at an offset chosen first-fit
 * among the gaps freed by values whose last reader has run, so peak memory stays near the largest live
 * set. Offsets are per example; a batch of n scales every offset and size by n.
 */

/** Values that alias their first input's buffer (identity-like steps). */
export interface PlanStep {
  out: string;
  inputs: readonly string[];
  alias: boolean;
}

export interface BufferPlan {
  /** value id -> [offset, size] per example, in floats. */
  slots: Map<string, { offset: number; size: number }>;
  /** Floats per example the arena needs. */
  peak: number;
}

const ALIGN = 16;

export function planBuffers(
  inputs: readonly { id: string; size: number }[],
  steps: readonly PlanStep[],
  sizes: ReadonlyMap<string, number>,
  outputs: readonly string[],
): BufferPlan {
  // Value -> root value owning the buffer (aliases resolve to their input's root).
  const root = new Map<string, string>();
  for (const i of inputs) root.set(i.id, i.id);
  for (const s of steps) root.set(s.out, s.alias ? root.get(s.inputs[0]!)! : s.out);
  const lastUse = new Map<string, number>();
  steps.forEach((s, i) => {
    for (const v of s.inputs) lastUse.set(root.get(v)!, i);
  });
  for (const o of outputs) lastUse.set(root.get(o)!, Number.POSITIVE_INFINITY);

  const free: { offset: number; size: number }[] = [];
  let top = 0;
  const placed = new Map<string, { offset: number; size: number }>();
  const alloc = (id: string) => {
    const size = Math.ceil(Math.max(1, sizes.get(id) ?? 1) / ALIGN) * ALIGN;
    const gap = free.findIndex((f) => f.size >= size);
    let offset: number;
    if (gap >= 0) {
      const f = free[gap]!;
      offset = f.offset;
      if (f.size === size) free.splice(gap, 1);
      else free[gap] = { offset: f.offset + size, size: f.size - size };
    } else {
      offset = top;
      top += size;
    }
    placed.set(id, { offset, size });
    live.add(id);
  };
  const live = new Set<string>();
  const release = (id: string) => {
    if (!live.delete(id)) return;
    const slot = placed.get(id)!;
    free.push({ ...slot });
    free.sort((a, b) => a.offset - b.offset);
    // Coalesce neighbours so large buffers can reuse several freed small ones.
    for (let i = free.length - 1; i > 0; i--) {
      const a = free[i - 1]!;
      const b = free[i]!;
      if (a.offset + a.size === b.offset) {
        a.size += b.size;
        free.splice(i, 1);
      }
    }
    const last = free[free.length - 1];
    if (last && last.offset + last.size === top) {
      top = last.offset;
      free.pop();
    }
  };

  let peak = 0;
  for (const i of inputs) alloc(i.id);
  peak = top;
  for (const i of inputs) if (!lastUse.has(i.id)) release(i.id);
  steps.forEach((s, idx) => {
    if (!s.alias) alloc(s.out);
    peak = Math.max(peak, top);
    const dead = new Set<string>();
    for (const v of [...s.inputs, s.out]) {
      const r = root.get(v)!;
      if ((lastUse.get(r) ?? -1) <= idx) dead.add(r);
    }
    for (const r of dead) release(r);
  });

  const slots = new Map<string, { offset: number; size: number }>();
  for (const [v, r] of root) {
    const p = placed.get(r)!;
    slots.set(v, { offset: p.offset, size: sizes.get(v) ?? p.size });
  }
  return { slots, peak };
}
