import type { FlatNode } from "../blocks/blocks.js";
import type { SpecDocument } from "../document/document.js";
import { blockBaseOf } from "../document/imports.js";
import type { SpecIssue, SpecPath } from "../issues.js";

export const pathKey = (p: SpecPath): string => JSON.stringify(p);

/**
 * What block expansion already reported, so its consequences are not reported again: paths inside a
 * node that a substitution failed at (`$widh` left in `filters` is not also an invalid param), and ids
 * that failed to expand (a use whose arguments failed, a skipped node with no input, a top-level node
 * never produced), whose readers would otherwise each get an `unknown_ref`.
 */
export class ExpansionFallout {
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

/** Reports each (code, path) once: a block's node is checked once per instance. */
export function reportOnce(report: (i: SpecIssue) => void): (i: SpecIssue) => void {
  const seen = new Set<string>();
  return (i) => {
    const key = `${i.code}|${pathKey(i.path)}`;
    if (seen.has(key)) return;
    seen.add(key);
    report(i);
  };
}
