import { LIMITS } from "../limits.js";

/**
 * The hostile inputs of docs/limits.md, built once for the tests that assert their issue codes and the
 * benchmark that times them (`BENCH_ONLY=hostile npm run bench`): each must end in a SpecIssue (or a
 * graph) within a second.
 */
export interface HostileClass {
  /** Short key, e.g. `brackets`. */
  key: string;
  /** The row label of docs/limits.md's table. */
  label: string;
  /** The text or document object (objects are for `validateSpec`/`loadGraph` as an API caller). */
  input(): string | Record<string, unknown>;
}

const head = "fusegraph: 1\nname: t\ninputs:\n  x: [8, 8, 3]\n";

/** A valid one-conv spec; hostile texts append to it or replace its nodes. */
export const HOSTILE_VALID_TEXT = `${head}nodes:\n  c: { op: conv2d, input: x, filters: 4, kernelSize: 3, padding: same }\noutputs: [c]\n`;

/** An id of `n` characters. */
export const longId = (n: number): string => `a${"b".repeat(n - 1)}`;

/** A block whose one node has id `id`, used `repeat` times: ids are copied into every instance. */
export function repeatedIdDocument(id: string, repeat: number): Record<string, unknown> {
  return {
    fusegraph: 1,
    name: "t",
    inputs: { x: [4] },
    blocks: {
      blk: { inputs: ["i"], nodes: { [id]: { op: "activation", input: "i", fn: "relu" } }, output: id },
    },
    nodes: { u: { use: "blk", input: "x", repeat } },
    outputs: ["u"],
  };
}

/** A merge node of `n` inputs, all `x`. */
export function wideMergeDocument(n: number): Record<string, unknown> {
  return {
    fusegraph: 1,
    name: "t",
    inputs: { x: [4] },
    nodes: { m: { merge: "add", inputs: Array.from({ length: n }, () => "x") } },
    outputs: ["m"],
  };
}

/** `start`, then `item(0)`, `item(1)`, … while the whole stays within `maxChars`, then `end`. */
export function fillText(start: string, item: (i: number) => string, end: string, maxChars: number): string {
  const parts = [start];
  let length = start.length + end.length;
  for (let i = 0; ; i++) {
    const piece = item(i);
    if (length + piece.length > maxChars) break;
    parts.push(piece);
    length += piece.length;
  }
  parts.push(end);
  return parts.join("");
}

const numbers = (n: number) => Array.from({ length: n }, (_, i) => i).join(", ");

/** The classes in docs/limits.md's order (the ResNet-50 row needs a fixture file, so it stays with its users). */
export const HOSTILE_CLASSES: readonly HostileClass[] = [
  { key: "brackets", label: "200,000 `]`", input: () => `${HOSTILE_VALID_TEXT}${"]".repeat(200_000)}` },
  {
    key: "commas",
    label: "flow list of 200,000 commas",
    input: () => `${head}nodes: {}\noutputs: [${",".repeat(200_000)}]\n`,
  },
  {
    key: "numbers",
    label: "outputs: 200,000 numbers",
    input: () => `${head}nodes: {}\noutputs: [${numbers(200_000)}]\n`,
  },
  {
    key: "mergeText",
    label: "merge of 1,000,000 inputs (YAML text)",
    input: () =>
      `fusegraph: 1\nname: t\ninputs: { x: [4] }\nnodes:\n  m:\n    merge: add\n    inputs: [${Array(1_000_000).fill("x").join(", ")}]\noutputs: [m]\n`,
  },
  {
    key: "mergeObject",
    label: "merge of 1,000,000 inputs (object)",
    input: () => wideMergeDocument(1_000_000),
  },
  {
    key: "kernel",
    label: "conv2d kernelSize 1e9, same, 8x8",
    input: () =>
      `${head}nodes:\n  c: { op: conv2d, input: x, filters: 4, kernelSize: 1000000000, padding: same }\noutputs: [c]\n`,
  },
  {
    key: "id200k",
    label: "100,000-char id, repeat 10000 (200 KB JSON)",
    input: () => JSON.stringify(repeatedIdDocument(longId(100_000), 10_000)),
  },
  {
    key: "id2m",
    label: "1,000,000-char id, repeat 10000 (2 MB JSON)",
    input: () => JSON.stringify(repeatedIdDocument(longId(1_000_000), 10_000)),
  },
  {
    key: "id200kYaml",
    label: "100,000-char id, repeat 10000 (YAML)",
    input: () => {
      const id = longId(100_000);
      return `${head}blocks:\n  blk:\n    inputs: [i]\n    nodes:\n      ${id}: { op: activation, input: i, fn: relu }\n    output: ${id}\nnodes:\n  u: { use: blk, input: x, repeat: 10000 }\noutputs: [u]\n`;
    },
  },
  {
    key: "sparse",
    label: "sparse array of length 2^32-1 (loadGraph)",
    input: () => {
      const outputs: unknown[] = [];
      outputs.length = 2 ** 32 - 1;
      return { fusegraph: 1, name: "t", inputs: { x: [4] }, nodes: {}, outputs };
    },
  },
  {
    key: "fullFlow",
    label: "a flow list of numbers filling maxTextChars",
    input: () => fillText(`${HOSTILE_VALID_TEXT}extra: [`, (i) => `${i}, `, "0]\n", LIMITS.maxTextChars),
  },
  {
    key: "fullBlock",
    label: "a block list of numbers filling maxTextChars",
    input: () => fillText(`${HOSTILE_VALID_TEXT}extra:\n`, (i) => `  - ${i}\n`, "", LIMITS.maxTextChars),
  },
];

/** The class of `key` (throws for an unknown key: a typo in a test or the bench). */
export function hostileInput(key: string): string | Record<string, unknown> {
  const c = HOSTILE_CLASSES.find((h) => h.key === key);
  if (c === undefined) throw new Error(`no hostile class "${key}"`);
  return c.input();
}
