import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from "yaml";
import type { SpecPath } from "../issues.js";

export interface Position {
  line: number;
  column: number;
}

/** Maps a path of the document to the 1-based line and column where it is written. */
export type Locator = (path: SpecPath) => Position | undefined;

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return key.value === null ? "" : String(key.value);
  return undefined;
}

/**
 * A locator over a parsed YAML (or JSON) document. A path into a map points at the key, a path into a
 * sequence at the item; a path that goes further than the document (a missing field) points at the
 * deepest part that exists, so every issue still lands on its node. Aliases are followed.
 */
export function locator(doc: Document, lines: LineCounter): Locator {
  const at = (offset: number | undefined): Position => {
    const { line, col } = lines.linePos(offset ?? 0);
    return { line, column: col };
  };
  return (path) => {
    let node: unknown = doc.contents;
    let offset: number | undefined = (doc.contents as Node | null)?.range?.[0];
    // NOTE: bounded by the path's length, so alias cycles cannot loop.
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (!pair) break;
        offset = (pair.key as Node | null)?.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === "number") {
        const item = node.items[seg] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else break;
    }
    return at(offset);
  };
}

/**
 * Keys written twice in one map, with their paths and offsets. NOTE: done here rather than with the
 * `yaml` package's `uniqueKeys`, which compares each key with every earlier one (quadratic: seconds
 * for a 10,000-node spec); a set per map keeps it linear. Iterative, and each node is visited once.
 */
export function duplicateKeys(doc: Document): { path: SpecPath; offset: number }[] {
  const out: { path: SpecPath; offset: number }[] = [];
  const stack: { node: unknown; path: SpecPath }[] = [{ node: doc.contents, path: [] }];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    if (isMap(node)) {
      const keys = new Set<string>();
      for (const p of node.items) {
        const k = keyText(p.key);
        if (k === undefined) continue;
        if (keys.has(k)) out.push({ path: [...path, k], offset: (p.key as Node | null)?.range?.[0] ?? 0 });
        keys.add(k);
        stack.push({ node: p.value, path: [...path, k] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        stack.push({ node: item, path: [...path, i] });
      });
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
}
