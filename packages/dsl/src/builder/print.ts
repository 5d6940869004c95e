import { Document, isMap, isPair, isScalar, isSeq, type Node } from "yaml";
import type { SpecDocumentInput } from "../document/document.js";
import type { SpecFormat } from "../text/parse.js";

/** Widest line the YAML printer aims for (the repo's formatter width). */
const LINE_WIDTH = 110;

/** Document fields in the order a reader expects them. */
const DOC_ORDER = ["fusegraph", "name", "doc", "inputs", "blocks", "nodes", "outputs"];
/** Node fields: what it is, what it reads, how it is used, then params; the condition last. */
const NODE_HEAD = ["op", "merge", "use", "input", "inputs", "repeat", "with"];
const BLOCK_ORDER = ["doc", "params", "inputs", "nodes", "output"];

function ordered(obj: Record<string, unknown>, head: readonly string[], tail: readonly string[] = []) {
  const out: Record<string, unknown> = {};
  const put = (k: string) => {
    if (Object.hasOwn(obj, k) && obj[k] !== undefined) {
      Object.defineProperty(out, k, { value: obj[k], enumerable: true, writable: true, configurable: true });
    }
  };
  for (const k of head) put(k);
  for (const k of Object.keys(obj)) if (!head.includes(k) && !tail.includes(k)) put(k);
  for (const k of tail) put(k);
  return out;
}

function orderNodes(nodes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, n] of Object.entries(nodes)) {
    const v =
      n !== null && typeof n === "object" ? ordered(n as Record<string, unknown>, NODE_HEAD, ["if"]) : n;
    Object.defineProperty(out, id, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The document with its keys in reading order; values are untouched. */
function canonical(doc: SpecDocumentInput): Record<string, unknown> {
  const out = ordered(doc as Record<string, unknown>, DOC_ORDER);
  if (doc.blocks) {
    const blocks: Record<string, unknown> = {};
    for (const [name, b] of Object.entries(doc.blocks)) {
      const block = ordered(b as Record<string, unknown>, BLOCK_ORDER);
      block.nodes = orderNodes(b.nodes);
      Object.defineProperty(blocks, name, {
        value: block,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    out.blocks = blocks;
  }
  out.nodes = orderNodes(doc.nodes);
  return out;
}

/** One-line flow text of a YAML node, to decide whether it fits on its key's line. */
function flowText(node: Node): string {
  const d = new Document(node.toJSON(), { aliasDuplicateObjects: false });
  return d.toString({ collectionStyle: "flow", lineWidth: 0 }).trimEnd();
}

/**
 * Collections that fit on their key's line are printed in flow style (`conv1: { op: conv2d, … }`),
 * except the containers a reader scans down: the document, `blocks`, each block and `nodes` maps.
 */
function styleCollections(node: unknown, indent: number, keyWidth: number, container: boolean): void {
  if (!isMap(node) && !isSeq(node)) return;
  const text = container ? "" : flowText(node);
  if (!container && !text.includes("\n") && indent + keyWidth + text.length <= LINE_WIDTH) {
    node.flow = true;
    return;
  }
  for (const item of node.items) {
    if (isPair(item)) {
      const key = isScalar(item.key) ? String(item.key.value) : "";
      styleCollections(item.value, indent + 2, key.length + 2, false);
    } else styleCollections(item, indent + 2, 2, false);
  }
}

function styleDocument(d: Document): void {
  const root = d.contents;
  if (!isMap(root)) return;
  for (const item of root.items) {
    const key = isScalar(item.key) ? String(item.key.value) : "";
    if (key === "nodes") containerOf(item.value, 2);
    else if (key === "blocks" && isMap(item.value)) {
      for (const b of item.value.items) {
        if (!isMap(b.value)) continue;
        for (const f of b.value.items) {
          const fk = isScalar(f.key) ? String(f.key.value) : "";
          if (fk === "nodes") containerOf(f.value, 6);
          else styleCollections(f.value, 4, fk.length + 2, false);
        }
      }
    } else styleCollections(item.value, 0, key.length + 2, false);
  }
}

/** A map whose entries each get their own line, styled one by one. */
function containerOf(map: unknown, indent: number): void {
  if (!isMap(map)) return;
  for (const item of map.items) {
    const key = isScalar(item.key) ? String(item.key.value) : "";
    styleCollections(item.value, indent, key.length + 2, false);
  }
}

/**
 * Prints a spec document as YAML (keys in reading order, each node on one line when it fits) or as
 * JSON (two-space indent). Parsing the text back gives an equal document.
 */
export function printSpec(doc: SpecDocumentInput, format: SpecFormat): string {
  const value = canonical(doc);
  if (format === "json") return `${JSON.stringify(value, null, 2)}\n`;
  const d = new Document(value, { aliasDuplicateObjects: false });
  styleDocument(d);
  return d.toString({ lineWidth: 0, flowCollectionPadding: true });
}
