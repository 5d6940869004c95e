import { appendIssues, issue, type SpecIssue, type SpecPath } from "../issues.js";
import { LIMITS, type Limits, RESERVED_KEYS } from "../limits.js";
import { fromZodIssues } from "../zod-issues.js";
import {
  type BlockSpec,
  blockSchema,
  documentSchema,
  ID_PATTERN,
  nodeSchema,
  type SpecDocument,
} from "./document.js";

export interface Structure {
  /** The document, or its valid parts when some are broken; undefined when too little is usable. */
  doc: SpecDocument | undefined;
  /** Ids of inputs and nodes left out for being broken: refs to them are not reported again. */
  poisoned: Set<string>;
  issues: SpecIssue[];
}

type Rec = Record<string, unknown>;
const isRecord = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

const docKeys = Object.keys(documentSchema.shape);
const blockKeys = Object.keys(blockSchema.shape);
const inputShapeSchema = documentSchema.shape.inputs.valueType;

/** Own entries of a sanitized record, as a safe list (never reads through the prototype). */
function entries<T>(r: Record<string, T>): [string, T][] {
  return Object.keys(r).map((k) => [k, r[k] as T]);
}

function checkId(id: string, path: SpecPath, what: string, out: SpecIssue[], maxIdChars: number): boolean {
  if (id.length > maxIdChars) {
    const shown = `${id.slice(0, 32)}…`;
    out.push(
      issue(
        "limit_exceeded",
        path,
        `${what} id "${shown}" has ${id.length} characters, more than ${maxIdChars}`,
        {
          ...(what === "node" ? { nodeId: shown } : {}),
          expected: `at most ${maxIdChars} characters`,
          hint: "use a shorter id",
        },
      ),
    );
    return false;
  }
  if (RESERVED_KEYS.has(id)) {
    out.push(
      issue("invalid_spec", path, `${what} "${id}" is a reserved name`, {
        ...(what === "node" ? { nodeId: id } : {}),
        received: id,
        hint: "__proto__, constructor and prototype cannot be ids; rename it",
      }),
    );
    return false;
  }
  if (!ID_PATTERN.test(id)) {
    out.push(
      issue("invalid_spec", path, `${what} id "${id}" is not a valid id`, {
        ...(what === "node" ? { nodeId: id } : {}),
        expected: "a letter or _ first, then letters, digits, _ . - /",
        received: id,
      }),
    );
    return false;
  }
  return true;
}

/** Exactly one of op/merge/use, and not both input and inputs. */
function checkNodeForm(id: string, node: Rec, path: SpecPath, out: SpecIssue[]): boolean {
  const kinds = (["op", "merge", "use"] as const).filter((k) => node[k] !== undefined);
  let ok = true;
  if (kinds.length !== 1) {
    ok = false;
    out.push(
      issue(
        "invalid_spec",
        kinds.length > 1 ? [...path, kinds[1] as string] : path,
        kinds.length === 0
          ? `node "${id}" names no operation`
          : `node "${id}" has ${kinds.join(" and ")}; a node has exactly one of op, merge or use`,
        {
          nodeId: id,
          expected: "exactly one of op, merge, use",
          received: kinds.length === 0 ? "none" : kinds.join(", "),
          hint: "op: <primitive kind>, merge: <merge kind>, or use: <block name>",
        },
      ),
    );
  }
  if (node.input !== undefined && node.inputs !== undefined) {
    ok = false;
    out.push(
      issue("invalid_spec", [...path, "inputs"], `node "${id}" has both input and inputs`, {
        nodeId: id,
        hint: "use input: for one input, inputs: [...] for several",
      }),
    );
  }
  // NOTE: reported without dropping the node: the use still expands, so its readers resolve.
  if (node.use !== undefined && node.shareWeights !== undefined) {
    out.push(
      issue(
        "invalid_spec",
        [...path, "shareWeights"],
        `use "${id}": shareWeights applies to op and merge nodes`,
        {
          nodeId: id,
          hint: "put shareWeights on the block's nodes, e.g. shareWeights: <use>.0/<node> in a repeated block",
        },
      ),
    );
  }
  return ok;
}

/**
 * Checks the document's structure against `documentSchema` and the rules a schema cannot say (valid,
 * unreserved ids; one of op/merge/use). Broken nodes, inputs and blocks are dropped from the returned
 * document rather than failing it whole, so later stages still check the rest.
 */
export function checkStructure(value: unknown, limits: Limits = LIMITS): Structure {
  const issues: SpecIssue[] = [];
  const poisoned = new Set<string>();
  const brokenBlocks = new Set<string>();
  const parsed = documentSchema.safeParse(value, { reportInput: true });
  let doc: SpecDocument | undefined;
  if (parsed.success) doc = parsed.data;
  else {
    appendIssues(
      issues,
      fromZodIssues(parsed.error.issues, {
        base: [],
        code: "invalid_spec",
        knownKeys: (p) => (p.length === 0 ? docKeys : p.length === 2 && p[0] === "blocks" ? blockKeys : []),
      }),
    );
    doc = salvage(value, poisoned, brokenBlocks);
  }
  if (!doc) return { doc, poisoned, issues };

  const inputs: SpecDocument["inputs"] = {};
  for (const [id, shape] of entries(doc.inputs)) {
    if (checkId(id, ["inputs", id], "input", issues, limits.maxIdChars)) define(inputs, id, shape);
    else poisoned.add(id);
  }
  const blocks = checkBlockDefs(doc.blocks ?? {}, brokenBlocks, issues, limits);
  const nodes: SpecDocument["nodes"] = {};
  for (const [id, node] of entries(doc.nodes)) {
    const path = ["nodes", id];
    const idOk = checkId(id, path, "node", issues, limits.maxIdChars);
    if (idOk && checkNodeForm(id, node, path, issues) && !(node.use && brokenBlocks.has(node.use)))
      define(nodes, id, node);
    else poisoned.add(id);
  }
  return {
    doc: { ...doc, inputs, nodes, ...(doc.blocks ? { blocks } : {}) },
    poisoned,
    issues,
  };
}

/**
 * The blocks whose ids and node forms are valid; the others are added to `broken` (with their issues),
 * and so is a block that uses a broken one. Paths are relative to the document (`["blocks", name, …]`).
 */
export function checkBlockDefs(
  defs: Record<string, BlockSpec>,
  broken: Set<string>,
  issues: SpecIssue[],
  limits: Limits = LIMITS,
): Record<string, BlockSpec> {
  const blocks: Record<string, BlockSpec> = {};
  for (const [name, block] of entries(defs)) {
    let ok = checkId(name, ["blocks", name], "block", issues, limits.maxIdChars);
    for (const [id, node] of entries(block.nodes)) {
      const path = ["blocks", name, "nodes", id];
      ok = checkId(id, path, "node", issues, limits.maxIdChars) && ok;
      ok = checkNodeForm(id, node, path, issues) && ok;
    }
    if (ok) define(blocks, name, block);
    else broken.add(name);
  }
  // A block that uses a broken block is broken too (to a fixpoint: blocks may nest).
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, block] of entries(blocks)) {
      if (Object.values(block.nodes).some((n) => n.use !== undefined && broken.has(n.use))) {
        broken.add(name);
        delete blocks[name];
        changed = true;
      }
    }
  }
  return blocks;
}

/** Sets an own property; `__proto__` (the one accessor on Object.prototype) is defined, not assigned. */
function define<T>(r: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__")
    Object.defineProperty(r, key, { value, enumerable: true, writable: true, configurable: true });
  else r[key] = value;
}

/** The parts of a structurally invalid document that are valid on their own. */
function salvage(value: unknown, poisoned: Set<string>, brokenBlocks: Set<string>): SpecDocument | undefined {
  if (!isRecord(value) || !isRecord(value.inputs) || !isRecord(value.nodes) || !Array.isArray(value.outputs))
    return undefined;
  const inputs: SpecDocument["inputs"] = {};
  for (const [id, v] of entries(value.inputs)) {
    const r = inputShapeSchema.safeParse(v);
    if (r.success) define(inputs, id, r.data);
    else poisoned.add(id);
  }
  const nodes: SpecDocument["nodes"] = {};
  for (const [id, v] of entries(value.nodes)) {
    const r = nodeSchema.safeParse(v);
    if (r.success) define(nodes, id, r.data);
    else poisoned.add(id);
  }
  let blocks: SpecDocument["blocks"];
  if (isRecord(value.blocks)) {
    blocks = {};
    for (const [name, v] of entries(value.blocks)) {
      const r = blockSchema.safeParse(v);
      if (r.success) define(blocks, name, r.data);
      else brokenBlocks.add(name);
    }
  }
  const outputs = value.outputs.filter((o): o is string => typeof o === "string");
  return {
    fusegraph: 1,
    name: typeof value.name === "string" ? value.name : "",
    inputs,
    nodes,
    outputs,
    ...(blocks ? { blocks } : {}),
  };
}
