import { z } from "zod";
import type { FlatNode } from "./blocks.js";
import type { OpDef, WeightSpec } from "./define-op.js";
import type { SpecDocument } from "./document.js";
import { blockBaseOf } from "./imports.js";
import { issue, type SpecIssue, type SpecPath } from "./issues.js";
import { isOpKind, type OpKind, opDef, ops } from "./ops/index.js";
import { formatShape, type Shape, sameShape } from "./shape.js";
import { didYouMean, didYouMeanText } from "./suggest.js";
import { fromZodIssues } from "./zod-issues.js";

/** The registry seen generically (defined beside the registry; re-exported for the pipeline's modules). */
export { opDef };

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
  /**
   * Index (into `nodes`) of the node whose weights this one uses (`shareWeights`), set once the target
   * resolved to another node of the same kind that owns its weights. Not a dependency: no ordering.
   */
  sharesWith?: number;
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
const STRUCTURAL_KEYS = ["input", "inputs", "if", "shareWeights"];

/** The node's params without `shareWeights`, which is a node-level field, not an op param. */
function ownParams(params: Record<string, unknown>): {
  params: Record<string, unknown>;
  share: unknown;
} {
  if (!Object.hasOwn(params, "shareWeights")) return { params, share: undefined };
  const { shareWeights, ...rest } = params;
  return { params: rest, share: shareWeights };
}

const pathKey = (p: SpecPath): string => JSON.stringify(p);

/**
 * What block expansion already reported, so its consequences are not reported again: paths inside a
 * node that a substitution failed at (`$widh` left in `filters` is not also an invalid param), and ids
 * that failed to expand (a use whose arguments failed, a skipped node with no input, a top-level node
 * never produced), whose readers would otherwise each get an `unknown_ref`.
 */
class ExpansionFallout {
  /** Node path key -> paths of expansion issues below that node. */
  private readonly inside = new Map<string, SpecPath[]>();
  /** Keys of node paths with an expansion error at or below them. */
  private readonly spoiled = new Set<string>();
  private readonly failedIds = new Set<string>();
  /** No expansion errors: every node the document describes exists. */
  readonly complete: boolean;

  constructor(doc: SpecDocument, issues: readonly SpecIssue[], produced: (id: string) => boolean) {
    const errors = issues.filter((i) => i.severity === "error");
    this.complete = errors.length === 0;
    for (const i of errors) {
      // A node is written at ["nodes", id] or [...blockBase, "nodes", local].
      const depth = (blockBaseOf(i.path)?.length ?? 0) + 2;
      if (i.path.length < depth) continue;
      const key = pathKey(i.path.slice(0, depth));
      this.spoiled.add(key);
      if (i.nodeId !== undefined) this.failedIds.add(i.nodeId);
      if (i.path.length === depth) continue;
      const list = this.inside.get(key);
      if (list) list.push(i.path);
      else this.inside.set(key, [i.path]);
    }
    if (this.complete) return;
    for (const id of Object.keys(doc.nodes)) if (!produced(id)) this.failedIds.add(id);
  }

  /** An issue at `path` (below the node at `node`) where expansion already reported, above or below. */
  covers(node: SpecPath, path: SpecPath): boolean {
    if (path.length <= node.length) return false;
    const found = this.inside.get(pathKey(node));
    if (!found) return false;
    const prefixOf = (a: SpecPath, b: SpecPath) => a.length <= b.length && a.every((seg, k) => seg === b[k]);
    return found.some((p) => prefixOf(p, path) || prefixOf(path, p));
  }

  /**
   * `ref`, read by `reader`, names an id that failed to expand: the id itself, one of its instances or
   * one of its nodes; or, inside a block instance, a node of that block whose definition has an error
   * (block issues are reported once, naming only the first instance).
   */
  failed(ref: string, reader?: FlatNode): boolean {
    if (this.complete) return false;
    const heads = [ref];
    for (let cut = ref.indexOf("/"); cut >= 0; cut = ref.indexOf("/", cut + 1)) heads.push(ref.slice(0, cut));
    if (heads.some((h) => this.failedIds.has(h) || this.failedIds.has(h.replace(/\.\d+$/, "")))) return true;
    const base = reader && blockBaseOf(reader.path);
    if (!base) return false;
    const prefix = reader.id.slice(0, reader.id.lastIndexOf("/") + 1);
    if (!ref.startsWith(prefix)) return false;
    const local = ref
      .slice(prefix.length)
      .split("/")[0]!
      .replace(/\.\d+$/, "");
    return this.spoiled.has(pathKey([...base, "nodes", local]));
  }
}

function arityText(a: OpDef["arity"]): { ok: (n: number) => boolean; text: string } {
  if (typeof a === "number") return { ok: (n) => n === a, text: `${a} input${a === 1 ? "" : "s"}` };
  if (a === "variadic") return { ok: (n) => n >= 1, text: "at least 1 input" };
  return { ok: (n) => n >= a.min && n <= a.max, text: `${a.min} to ${a.max} inputs` };
}

/** A ref after following aliases; `unknown` holds the id it ended at. */
type Resolved = { id: string } | { poisoned: true } | { unknown: string } | { cycle: string[] };

/** A bound on how many unknown refs get an edit-distance suggestion (each one scans every id). */
const MAX_SUGGESTIONS = 200;

/**
 * Checks every flat node (kind, params, arity), resolves refs through block aliases, finds duplicate
 * ids and cycles, resolves `shareWeights` targets, orders the nodes topologically and warns about nodes
 * no output depends on. All of it is iterative: a 10,000-node chain costs no stack depth.
 * `expansion` holds what block expansion reported, so its consequences are not reported twice.
 */
export function buildTopology(
  doc: SpecDocument,
  flat: readonly FlatNode[],
  aliases: ReadonlyMap<string, string>,
  poisoned: ReadonlySet<string>,
  report: (i: SpecIssue) => void,
  expansion: readonly SpecIssue[] = [],
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

  const fallout = new ExpansionFallout(
    doc,
    expansion,
    (id) => inputs.has(id) || byId.has(id) || aliases.has(id),
  );
  const known = (): Iterable<string> => [...inputs.keys(), ...byId.keys(), ...aliases.keys()];
  let suggestions = 0;
  const suggest = (name: string, candidates: () => Iterable<string>) =>
    suggestions++ < MAX_SUGGESTIONS ? didYouMeanText(name, candidates()) : "";

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
    return poisoned.has(cur) ? { poisoned: true } : { unknown: cur };
  };

  const shares: { node: number; ref: unknown; path: SpecPath }[] = [];
  nodes.forEach((n, index) => {
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
      const own = ownParams(f.params);
      if (own.share !== undefined)
        shares.push({ node: index, ref: own.share, path: [...f.path, "shareWeights"] });
      const parsed = def.params.safeParse(own.params, { reportInput: true });
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
        })
          .filter((i) => !fallout.covers(f.path, i.path))
          .forEach(report);
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
      if ("unknown" in r && fallout.failed(r.unknown, f)) continue;
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
  });

  resolveShares(
    nodes,
    shares,
    {
      resolve,
      byId,
      suggest: (ref) => suggest(ref, () => byId.keys()),
      failed: (ref, reader) => fallout.failed(ref, reader),
    },
    report,
  );
  const order = topoOrder(nodes, report);

  const outputs = doc.outputs.map((o, i) => {
    const r = resolve(o);
    if ("id" in r) return r.id;
    if ("unknown" in r && fallout.failed(r.unknown)) return undefined;
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

  // NOTE: with expansion errors the graph lacks nodes, so "unused" would mostly mean "cut off".
  if (fallout.complete) warnUnused(nodes, outputs, byId, report);
  return { nodes, order, inputs, outputs };
}

/** Reports each (code, path) once: a block's node is checked once per instance. */
function reportOnce(report: (i: SpecIssue) => void): (i: SpecIssue) => void {
  const seen = new Set<string>();
  return (i) => {
    const key = `${i.code}|${pathKey(i.path)}`;
    if (seen.has(key)) return;
    seen.add(key);
    report(i);
  };
}

const subjectOf = (f: FlatNode): string =>
  `${f.category === "merge" ? "merge" : "node"} "${f.id}" (${f.kind})`;

/**
 * Resolves each `shareWeights` in the node's own block instance first, then in each enclosing one, then
 * at the top level (so a block can name a sibling instance, `cell.0/gate`), through aliases like any
 * ref. A node naming itself owns its weights. The target must be another node of the same kind that
 * does not share in turn; then `sharesWith` is set. Weight specs are compared after shape inference.
 */
function resolveShares(
  nodes: CheckedNode[],
  shares: readonly { node: number; ref: unknown; path: SpecPath }[],
  look: {
    resolve: (ref: string) => Resolved;
    byId: ReadonlyMap<string, number>;
    suggest: (ref: string) => string;
    /** The ref names what block expansion failed to make (already reported). */
    failed: (ref: string, reader: FlatNode) => boolean;
  },
  sink: (i: SpecIssue) => void,
): void {
  const report = reportOnce(sink);
  const targets = new Map<number, { target: number; path: SpecPath }>();
  for (const { node, ref, path } of shares) {
    const f = nodes[node]!.flat;
    const subject = subjectOf(f);
    if (typeof ref !== "string" || ref === "") {
      report(
        issue(
          "invalid_params",
          path,
          `${subject}: shareWeights must name a node, received ${JSON.stringify(ref)}`,
          {
            nodeId: f.id,
            expected: "a node id",
            received: JSON.stringify(ref),
          },
        ),
      );
      continue;
    }
    const candidates = [...f.scope].reverse().map((instance) => `${instance}/${ref}`);
    candidates.push(ref);
    let found: string | undefined;
    let poisoned = false;
    for (const c of candidates) {
      const r = look.resolve(c);
      if ("id" in r) {
        found = r.id;
        break;
      }
      if ("poisoned" in r) poisoned = true;
    }
    if (found === undefined) {
      // The target was reported where it is written, or failed to expand.
      if (poisoned || candidates.some((c) => look.failed(c, f))) continue;
      report(
        issue(
          "unknown_ref",
          path,
          `${subject} shares weights with "${ref}", which is no node.${look.suggest(ref)}`,
          {
            nodeId: f.id,
            received: ref,
            hint: "shareWeights names a node of the same kind by id; in a block, ids are relative to its instance first",
          },
        ),
      );
      continue;
    }
    if (found === f.id) continue;
    const target = look.byId.get(found);
    if (target === undefined) {
      report(
        issue(
          "invalid_params",
          path,
          `${subject} shares weights with "${found}", a graph input, which has none`,
          {
            nodeId: f.id,
            expected: `a ${f.kind} node`,
            received: `graph input "${found}"`,
          },
        ),
      );
      continue;
    }
    targets.set(node, { target, path });
  }
  for (const [node, { target, path }] of targets) {
    const n = nodes[node]!;
    const to = nodes[target]!;
    const original = targets.get(target);
    if (original !== undefined) {
      const root = nodes[original.target]!.flat.id;
      report(
        issue(
          "invalid_params",
          path,
          `${subjectOf(n.flat)} shares weights with "${to.flat.id}", which itself shares the weights of "${root}"`,
          {
            nodeId: n.flat.id,
            expected: "a node that owns its weights",
            received: `"${to.flat.id}" (shareWeights: ${root})`,
            hint: `point at the original: shareWeights: ${root}`,
          },
        ),
      );
      continue;
    }
    if (n.kind === undefined || to.kind === undefined) continue; // reported already
    if (n.kind !== to.kind) {
      report(
        issue(
          "invalid_params",
          path,
          `${subjectOf(n.flat)} shares weights with "${to.flat.id}", a ${to.kind}: both must be the same kind`,
          {
            nodeId: n.flat.id,
            expected: n.kind,
            received: to.kind,
            hint: `share with another ${n.kind} node`,
          },
        ),
      );
      continue;
    }
    n.sharesWith = target;
  }
}

/** A node's weight specs from its inferred shapes, or undefined when it has none (reported already). */
function weightsOf(n: CheckedNode, shapes: ReadonlyMap<string, Shape>): readonly WeightSpec[] | undefined {
  const output = shapes.get(n.flat.id);
  if (!n.ok || !n.def || output === undefined) return undefined;
  const inputs: Shape[] = [];
  for (const id of n.inputs) {
    const s = id === undefined ? undefined : shapes.get(id);
    if (!s) return undefined;
    inputs.push(s);
  }
  return n.def.weights({ inputs, params: n.params, output });
}

/**
 * After shape inference: a node that shares weights must declare the same weights (names and shapes)
 * as its target, and there must be some. Nodes whose shapes could not be inferred are skipped.
 */
export function checkSharedWeights(
  topo: Topology,
  shapes: ReadonlyMap<string, Shape>,
  sink: (i: SpecIssue) => void,
): void {
  const report = reportOnce(sink);
  for (const n of topo.nodes) {
    if (n.sharesWith === undefined) continue;
    const to = topo.nodes[n.sharesWith]!;
    const mine = weightsOf(n, shapes);
    const theirs = weightsOf(to, shapes);
    if (!mine || !theirs) continue;
    const f = n.flat;
    const path = [...f.path, "shareWeights"];
    const subject = `${subjectOf(f)} shares weights with "${to.flat.id}"`;
    if (theirs.length === 0) {
      report(
        issue("invalid_params", path, `${subject}, but that ${to.kind} has no weights`, {
          nodeId: f.id,
          hint: "shareWeights applies to nodes with weights (conv2d, dense, lstm, batchNorm, …); remove it",
        }),
      );
      continue;
    }
    const names = (ws: readonly WeightSpec[]) => ws.map((w) => w.name).join(", ");
    if (names(mine) !== names(theirs)) {
      report(
        issue(
          "invalid_params",
          path,
          `${subject}, whose weights are ${names(theirs)}; its own would be ${names(mine) || "none"}`,
          {
            nodeId: f.id,
            expected: names(theirs),
            received: names(mine),
            hint: `give both nodes the same params (e.g. useBias)`,
          },
        ),
      );
      continue;
    }
    const k = mine.findIndex((w, j) => !sameShape(w.shape, theirs[j]!.shape));
    if (k < 0) continue;
    const [a, b] = [mine[k]!, theirs[k]!];
    report(
      issue(
        "shape_mismatch",
        path,
        `${subject}, but its ${a.name} would have shape ${formatShape(a.shape)}, expected ${formatShape(b.shape)} like "${to.flat.id}"'s`,
        {
          nodeId: f.id,
          expected: formatShape(b.shape),
          received: formatShape(a.shape),
          hint: "shared weights need the same input size and the same params in both nodes",
        },
      ),
    );
  }
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
    const n = nodes[stack.pop()!]!;
    // The node whose weights a used node shares is needed too (its weights live under its id).
    const reads = n.sharesWith === undefined ? n.deps : [...n.deps, n.sharesWith];
    for (const d of reads) {
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
