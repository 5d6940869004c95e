import { z } from "zod";
import type { FlatNode } from "./blocks.js";
import type { OpDef } from "./define-op.js";
import type { SpecDocument } from "./document.js";
import { issue, type SpecIssue, type SpecPath } from "./issues.js";
import { isOpKind, type OpKind, ops } from "./ops/index.js";
import type { Shape } from "./shape.js";
import { didYouMean, didYouMeanText } from "./suggest.js";
import { fromZodIssues } from "./zod-issues.js";

/** The registry seen generically: one def type for every kind, so the pipeline needs no per-kind code. */
export function opDef(kind: OpKind): OpDef<string, unknown> {
  // NOTE: the registry's entries differ only in their params type; the pipeline only hands each def
  // the params its own schema produced.
  return ops[kind] as unknown as OpDef<string, unknown>;
}

const kindsOf = (category: "primitive" | "merge"): string[] =>
  (Object.keys(ops) as OpKind[]).filter((k) => opDef(k).category === category);

/** A flat node after its kind, params, arity and refs are checked. */
export interface CheckedNode {
  flat: FlatNode;
  kind: OpKind | undefined;
  def: OpDef<string, unknown> | undefined;
  params: unknown;
  /** Resolved ids of the data inputs, then of the param refs; undefined where a ref did not resolve. */
  inputs: (string | undefined)[];
  /** Indices (into `nodes`) of the nodes this one reads. */
  deps: number[];
  /** Kind, params, arity and every ref are valid, and the node is not on a cycle. */
  ok: boolean;
}

export interface Topology {
  /** Every node once (later duplicates of an id dropped). */
  nodes: CheckedNode[];
  /** Indices into `nodes`, each after every node it reads. */
  order: number[];
  inputs: Map<string, Shape>;
  /** Resolved output ids; undefined where an output did not resolve. */
  outputs: (string | undefined)[];
}

/** Own property of the document at `path` (the raw node a FlatNode came from). */
function at(doc: SpecDocument, path: SpecPath): unknown {
  let v: unknown = doc;
  for (const seg of path) {
    if (typeof v !== "object" || v === null || !Object.hasOwn(v, seg)) return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** The object schemas an op's params may take: one, or one per option of a (discriminated) union. */
export function paramObjects(schema: z.ZodType): z.ZodObject[] {
  if (schema instanceof z.ZodObject) return [schema];
  if (schema instanceof z.ZodUnion) return (schema.options as z.ZodType[]).flatMap(paramObjects);
  return [];
}

function paramKeys(schema: z.ZodType): string[] {
  return [...new Set(paramObjects(schema).flatMap((o) => Object.keys(o.shape)))];
}

/** Fields every node may have besides its params (offered as suggestions for a misspelt field). */
const STRUCTURAL_KEYS = ["input", "inputs", "if"];

function arityText(a: OpDef["arity"]): { ok: (n: number) => boolean; text: string } {
  if (typeof a === "number") return { ok: (n) => n === a, text: `${a} input${a === 1 ? "" : "s"}` };
  if (a === "variadic") return { ok: (n) => n >= 1, text: "at least 1 input" };
  return { ok: (n) => n >= a.min && n <= a.max, text: `${a.min} to ${a.max} inputs` };
}

/** A bound on how many unknown refs get an edit-distance suggestion (each one scans every id). */
const MAX_SUGGESTIONS = 200;

/**
 * Checks every flat node (kind, params, arity), resolves refs through block aliases, finds duplicate
 * ids and cycles, orders the nodes topologically and warns about nodes no output depends on. All of it
 * is iterative: a 10,000-node chain costs no stack depth.
 */
export function buildTopology(
  doc: SpecDocument,
  flat: readonly FlatNode[],
  aliases: ReadonlyMap<string, string>,
  poisoned: ReadonlySet<string>,
  report: (i: SpecIssue) => void,
): Topology {
  const inputs = new Map<string, Shape>(Object.keys(doc.inputs).map((k) => [k, doc.inputs[k] as Shape]));
  const byId = new Map<string, number>();
  const nodes: CheckedNode[] = [];

  for (const f of flat) {
    const firstIdx = byId.get(f.id);
    if (inputs.has(f.id) || firstIdx !== undefined) {
      const other = firstIdx !== undefined ? nodes[firstIdx]?.flat : undefined;
      report(
        issue(
          "duplicate_id",
          f.path,
          other
            ? `node id "${f.id}" is produced twice (first at ${other.path.join(".")})`
            : `node id "${f.id}" is also the id of a graph input`,
          { nodeId: f.id, hint: "node and input ids share one namespace; rename one of them" },
        ),
      );
      continue;
    }
    byId.set(f.id, nodes.length);
    nodes.push({
      flat: f,
      kind: undefined,
      def: undefined,
      params: undefined,
      inputs: [],
      deps: [],
      ok: true,
    });
  }

  const known = (): Iterable<string> => [...inputs.keys(), ...byId.keys(), ...aliases.keys()];
  let suggestions = 0;
  const suggest = (name: string, candidates: () => Iterable<string>) =>
    suggestions++ < MAX_SUGGESTIONS ? didYouMeanText(name, candidates()) : "";

  type Resolved = { id: string } | { poisoned: true } | { unknown: true } | { cycle: string[] };
  const resolve = (ref: string): Resolved => {
    let cur = ref;
    const chain: string[] = [];
    for (let next = aliases.get(cur); next !== undefined; next = aliases.get(cur)) {
      if (poisoned.has(cur)) return { poisoned: true };
      // Alias chains are short (one per block nesting level); a linear scan beats a set here.
      if (chain.includes(cur)) return { cycle: [...chain, cur] };
      chain.push(cur);
      cur = next;
    }
    if (inputs.has(cur) || byId.has(cur)) return { id: cur };
    return poisoned.has(cur) ? { poisoned: true } : { unknown: true };
  };

  for (const n of nodes) {
    const f = n.flat;
    const subject = `${f.category === "merge" ? "merge" : "node"} "${f.id}"`;
    const field = f.category === "merge" ? "merge" : "op";
    const want = f.category === "merge" ? "merge" : "primitive";
    if (!isOpKind(f.kind) || opDef(f.kind).category !== want) {
      n.ok = false;
      const own = kindsOf(want);
      if (isOpKind(f.kind)) {
        const other = field === "op" ? "merge" : "op";
        report(
          issue(
            "unknown_op",
            [...f.path, field],
            `${subject}: "${f.kind}" is a ${other === "merge" ? "merge" : "primitive op"}; write ${other}: ${f.kind}`,
            {
              nodeId: f.id,
              expected: `${field}: one of ${own.join(", ")}`,
              received: `${field}: ${f.kind}`,
              hint: `${other}: ${f.kind}`,
            },
          ),
        );
      } else {
        const close = didYouMean(f.kind, own);
        const elsewhere = close
          ? undefined
          : didYouMean(f.kind, kindsOf(want === "merge" ? "primitive" : "merge"));
        report(
          issue(
            "unknown_op",
            [...f.path, field],
            `${subject}: unknown ${field === "merge" ? "merge" : "op"} kind "${f.kind}".${
              close
                ? ` Did you mean "${close}"?`
                : elsewhere
                  ? ` Did you mean ${field === "op" ? "merge" : "op"}: ${elsewhere}?`
                  : ""
            }`,
            {
              nodeId: f.id,
              expected: `one of ${own.join(", ")}`,
              received: f.kind,
              hint: `${field} kinds: ${own.join(", ")}`,
            },
          ),
        );
      }
    } else {
      n.kind = f.kind;
      const def = opDef(f.kind);
      n.def = def;
      const parsed = def.params.safeParse(f.params, { reportInput: true });
      if (parsed.success) n.params = parsed.data;
      else {
        n.ok = false;
        const keys = [...paramKeys(def.params), ...STRUCTURAL_KEYS];
        fromZodIssues(parsed.error.issues, {
          base: f.path,
          code: "invalid_params",
          nodeId: f.id,
          subject: `${subject} (${f.kind})`,
          knownKeys: (p) => (p.length === 0 ? keys : []),
        }).forEach(report);
      }
      const arity = arityText(def.arity);
      if (!arity.ok(f.inputs.length)) {
        n.ok = false;
        report(
          issue(
            "invalid_spec",
            [...f.path, f.inputs.length === 1 ? "input" : "inputs"],
            `${subject} (${f.kind}) takes ${arity.text}, received ${f.inputs.length}`,
            {
              nodeId: f.id,
              expected: arity.text,
              received: String(f.inputs.length),
              ...(f.inputs.length === 0
                ? { hint: "give its input with input: <id> or inputs: [<id>, ...]" }
                : {}),
            },
          ),
        );
      }
    }

    // Data inputs as written, then param refs (which may name a node of the same block instance).
    const raw = at(doc, f.path);
    const single = typeof raw === "object" && raw !== null && Object.hasOwn(raw, "input");
    const refs: { ref: string; path: SpecPath; scoped: boolean }[] = f.inputs.map((ref, i) => ({
      ref,
      path: single ? [...f.path, "input"] : [...f.path, "inputs", i],
      scoped: false,
    }));
    if (n.def?.refs && n.params !== undefined) {
      const params = n.params as Record<string, unknown>;
      for (const ref of n.def.refs(n.params)) {
        const key = Object.keys(params).find((k) => params[k] === ref);
        refs.push({ ref, path: key ? [...f.path, key] : f.path, scoped: true });
      }
    }
    const slash = f.id.lastIndexOf("/");
    for (const { ref, path, scoped } of refs) {
      let r = resolve(ref);
      if (scoped && slash >= 0 && !("id" in r)) {
        const local = resolve(f.id.slice(0, slash + 1) + ref);
        if ("id" in local) r = local;
      }
      if ("id" in r) {
        n.inputs.push(r.id);
        const dep = byId.get(r.id);
        if (dep !== undefined) n.deps.push(dep);
        continue;
      }
      n.inputs.push(undefined);
      n.ok = false;
      if ("unknown" in r) {
        report(
          issue(
            "unknown_ref",
            path,
            `${subject} reads "${ref}", which is no node or input.${suggest(ref, known)}`,
            {
              nodeId: f.id,
              received: ref,
              hint: "refs name a graph input, a node, or a block use",
            },
          ),
        );
      } else if ("cycle" in r) {
        report(
          issue("cycle", path, `${subject} reads "${ref}", whose aliases loop: ${r.cycle.join(" -> ")}`, {
            nodeId: f.id,
          }),
        );
      }
    }
  }

  const order = topoOrder(nodes, report);

  const outputs = doc.outputs.map((o, i) => {
    const r = resolve(o);
    if ("id" in r) return r.id;
    if ("unknown" in r)
      report(
        issue("unknown_ref", ["outputs", i], `output "${o}" is no node or input.${suggest(o, known)}`, {
          received: o,
        }),
      );
    else if ("cycle" in r)
      report(
        issue("cycle", ["outputs", i], `output "${o}" names aliases that loop: ${r.cycle.join(" -> ")}`),
      );
    return undefined;
  });

  warnUnused(nodes, outputs, byId, report);
  return { nodes, order, inputs, outputs };
}

/**
 * Depth-first post-order with an explicit stack (document order first, so a document written in order
 * keeps it). A dependency still on the stack closes a cycle: the nodes between are reported once.
 */
function topoOrder(nodes: CheckedNode[], report: (i: SpecIssue) => void): number[] {
  const state = new Uint8Array(nodes.length); // 0 new, 1 on stack, 2 done
  const stackPos = new Int32Array(nodes.length).fill(-1);
  const order: number[] = [];
  const seenCycles = new Set<string>();
  const stack: { i: number; k: number }[] = [];
  for (let root = 0; root < nodes.length; root++) {
    if (state[root] !== 0) continue;
    state[root] = 1;
    stackPos[root] = 0;
    stack.push({ i: root, k: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const deps = nodes[top.i]!.deps;
      if (top.k < deps.length) {
        const d = deps[top.k++]!;
        if (state[d] === 0) {
          state[d] = 1;
          stackPos[d] = stack.length;
          stack.push({ i: d, k: 0 });
        } else if (state[d] === 1) {
          const members = stack.slice(stackPos[d]).map((f) => f.i);
          for (const m of members) nodes[m]!.ok = false;
          const key = [...members].sort((a, b) => a - b).join(",");
          if (seenCycles.has(key)) continue;
          seenCycles.add(key);
          // Members run from d to what reads it; data flows the other way, so reverse, starting at d.
          const ids = members.map((m) => nodes[m]!.flat.id).reverse();
          ids.unshift(ids.pop()!);
          const first = nodes[d]!.flat;
          report(
            issue(
              "cycle",
              first.path,
              `nodes form a cycle: ${[...ids, ids[0]].map((s) => `"${s}"`).join(" -> ")}`,
              {
                nodeId: first.id,
                hint: "a node cannot depend on its own output; break the loop",
              },
            ),
          );
        }
      } else {
        state[top.i] = 2;
        stack.pop();
        order.push(top.i);
      }
    }
  }
  return order;
}

/** Nodes no output reads, directly or not: a warning, once per place they are written. */
function warnUnused(
  nodes: CheckedNode[],
  outputs: (string | undefined)[],
  byId: Map<string, number>,
  report: (i: SpecIssue) => void,
): void {
  const used = new Uint8Array(nodes.length);
  const stack: number[] = [];
  for (const o of outputs) {
    const i = o === undefined ? undefined : byId.get(o);
    if (i !== undefined && !used[i]) {
      used[i] = 1;
      stack.push(i);
    }
  }
  while (stack.length > 0) {
    for (const d of nodes[stack.pop()!]!.deps) {
      if (!used[d]) {
        used[d] = 1;
        stack.push(d);
      }
    }
  }
  const reported = new Set<string>();
  nodes.forEach((n, i) => {
    if (used[i]) return;
    const key = JSON.stringify(n.flat.path);
    if (reported.has(key)) return;
    reported.add(key);
    report(
      issue("unused_node", n.flat.path, `node "${n.flat.id}" is not used by any output`, {
        nodeId: n.flat.id,
        hint: "remove it, or list it (or a node that reads it) in outputs",
      }),
    );
  });
}
