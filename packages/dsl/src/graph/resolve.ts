import type { SpecDocument } from "../document/document.js";
import { issue, type SpecPath } from "../issues.js";
import type { Shape } from "../shape.js";
import { didYouMeanText } from "../suggest.js";
import type { ExpansionFallout } from "./fallout.js";
import { type CheckedNode, type Report, subjectOf } from "./topology.js";

/** A ref after following aliases; `unknown` holds the id it ended at. */
export type Resolved = { id: string } | { poisoned: true } | { unknown: string } | { cycle: string[] };

/** A bound on how many unknown refs get an edit-distance suggestion (each one scans every id). */
const MAX_SUGGESTIONS = 200;

/** Resolves refs through block aliases to a graph input or node id, and suggests ids for unknown ones. */
export class Resolver {
  private suggestions = 0;

  constructor(
    readonly inputs: ReadonlyMap<string, Shape>,
    readonly byId: ReadonlyMap<string, number>,
    private readonly aliases: ReadonlyMap<string, string>,
    private readonly poisoned: ReadonlySet<string>,
  ) {}

  /** The ref names something that exists (before following aliases). */
  produced(id: string): boolean {
    return this.inputs.has(id) || this.byId.has(id) || this.aliases.has(id);
  }

  resolve(ref: string): Resolved {
    let cur = ref;
    const chain: string[] = [];
    for (let next = this.aliases.get(cur); next !== undefined; next = this.aliases.get(cur)) {
      if (this.poisoned.has(cur)) return { poisoned: true };
      // Alias chains are short (one per block nesting level); a linear scan beats a set here.
      if (chain.includes(cur)) return { cycle: [...chain, cur] };
      chain.push(cur);
      cur = next;
    }
    if (this.inputs.has(cur) || this.byId.has(cur)) return { id: cur };
    return this.poisoned.has(cur) ? { poisoned: true } : { unknown: cur };
  }

  /** " Did you mean ...?" among every id (or among node ids only), for the first few unknown refs. */
  suggest(name: string, nodesOnly = false): string {
    if (this.suggestions++ >= MAX_SUGGESTIONS) return "";
    const ids = nodesOnly
      ? this.byId.keys()
      : [...this.inputs.keys(), ...this.byId.keys(), ...this.aliases.keys()];
    return didYouMeanText(name, ids);
  }
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

/**
 * Resolves a checked node's data inputs as written, then its param refs (which may name a node of the
 * same block instance), into `n.inputs` and `n.deps`; an unresolved ref clears `ok`.
 */
export function resolveRefs(
  doc: SpecDocument,
  n: CheckedNode,
  look: Resolver,
  fallout: ExpansionFallout,
  report: Report,
): void {
  const f = n.flat;
  const subject = subjectOf(f);
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
    let r = look.resolve(ref);
    if (scoped && slash >= 0 && !("id" in r)) {
      const local = look.resolve(f.id.slice(0, slash + 1) + ref);
      if ("id" in local) r = local;
    }
    if ("id" in r) {
      n.inputs.push(r.id);
      const dep = look.byId.get(r.id);
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
          `${subject} reads "${ref}", which is no node or input.${look.suggest(ref)}`,
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

/** Resolves the document's outputs; undefined where one did not resolve (reported). */
export function resolveOutputs(
  doc: SpecDocument,
  look: Resolver,
  fallout: ExpansionFallout,
  report: Report,
): (string | undefined)[] {
  return doc.outputs.map((o, i) => {
    const r = look.resolve(o);
    if ("id" in r) return r.id;
    if ("unknown" in r && fallout.failed(r.unknown)) return undefined;
    if ("unknown" in r)
      report(
        issue("unknown_ref", ["outputs", i], `output "${o}" is no node or input.${look.suggest(o)}`, {
          received: o,
        }),
      );
    else if ("cycle" in r)
      report(
        issue("cycle", ["outputs", i], `output "${o}" names aliases that loop: ${r.cycle.join(" -> ")}`),
      );
    return undefined;
  });
}
