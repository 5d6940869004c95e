import type { NodeSpec, SpecDocument } from "../document/document.js";
import { type BlockDef, type BlockTable, loadBlockTable, type UseScope } from "../document/imports.js";
import { type IssueCode, issue, type SpecIssue, type SpecPath } from "../issues.js";
import { LIMITS, type Limits } from "../limits.js";
import { didYouMeanText } from "../suggest.js";
import { type ExprEnv, substitute } from "./expr.js";

/** A node after block expansion: ids are full (`layer1.0/conv1`), params have `$` substitutions done. */
export interface FlatNode {
  id: string;
  /** From `op:` or `merge:`. */
  category: "op" | "merge";
  kind: string;
  /** Refs as written (`input` or `inputs`), already prefixed with the block scope; resolve them through `aliases`. */
  inputs: string[];
  /** Every other field of the node (op/merge/input/inputs/if/with/repeat removed), substituted. */
  params: Record<string, unknown>;
  /** Where the node is written: `["nodes", id]` or `["blocks", name, "nodes", local]`. */
  path: SpecPath;
  /** Use sites that led here, outermost first (for messages): e.g. [["nodes","layer1"]]. */
  via: SpecPath[];
  /** Enclosing block instances, outermost first, e.g. ["layer1.0"]. */
  scope: string[];
}

export interface Expanded {
  nodes: FlatNode[];
  /**
   * Ids that stand for another id: a `use:` node -> its last instance's output, a skipped `if:` node
   * -> its first input, a block's input name -> the ref fed to it. Resolve transitively.
   */
  aliases: Map<string, string>;
}

/** Param names a block may not declare: they are the loop variables or words of the expression language. */
const RESERVED_PARAMS: ReadonlySet<string> = new Set(["i", "n", "true", "false", "min", "max"]);
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One level of expansion: the top level, or one instance of a block. */
interface Scope {
  /** Prepended to local ids: "" at the top level, `layer1.0/` inside an instance. */
  prefix: string;
  /** The block being expanded, absent at the top level. */
  block?: { name: string; locals: ReadonlySet<string>; inputs: readonly string[] };
  /** What `use:` names here: the enclosing document's blocks and imports. */
  uses: UseScope;
  env: ExprEnv;
  via: SpecPath[];
  scope: string[];
  /** Keys of the blocks being expanded, outermost first: using one of them again is a cycle. */
  stack: string[];
}

class LimitReached {}

/**
 * Expands `use:` nodes into flat nodes: binds block params (`with`, defaults, `$i`, `$n`), substitutes
 * `$name` and `${expr}` in params, chains `repeat` instances, and drops nodes whose `if:` is false.
 * Ids: `<use>/<local>`, or `<use>.<k>/<local>` when `repeat` is above 1; nested uses nest ids.
 * Inside a block, refs name only the block's own nodes and inputs. `with` values are evaluated per
 * instance against the enclosing scope's params plus the instance's own `i` and `n`.
 * The total of nodes and aliases is bounded by `limits.maxNodes` (default {@link LIMITS}). `table` holds the blocks
 * `use:` may name (the document's own and imported ones, see {@link loadBlockTable}).
 */
export function expandBlocks(
  doc: SpecDocument,
  report: (issue: SpecIssue) => void,
  table: BlockTable = loadBlockTable(doc, {}, report),
  limits: Limits = LIMITS,
): Expanded {
  return new Expander(doc, report, table, limits).run();
}

class Expander {
  private readonly nodes: FlatNode[] = [];
  private readonly aliases = new Map<string, string>();
  private readonly ids = new Set<string>();
  private readonly reported = new Set<string>();
  private readonly badBlocks = new Set<string>();
  private count = 0;

  constructor(
    private readonly doc: SpecDocument,
    private readonly sink: (issue: SpecIssue) => void,
    private readonly table: BlockTable,
    private readonly limits: Limits,
  ) {}

  run(): Expanded {
    for (const def of this.table.defs.values()) this.checkBlock(def);
    const top: Scope = { prefix: "", uses: this.table.top, env: new Map(), via: [], scope: [], stack: [] };
    try {
      this.expandNodes(this.doc.nodes, ["nodes"], top);
    } catch (e) {
      if (!(e instanceof LimitReached)) throw e;
    }
    return { nodes: this.nodes, aliases: this.aliases };
  }

  /** A block's issues repeat in every instance; each path is reported once. */
  private report(code: IssueCode, path: SpecPath, message: string, extra: Partial<SpecIssue> = {}): void {
    this.reportIssue(issue(code, path, message, extra));
  }

  private reportIssue(i: SpecIssue): void {
    const key = `${i.code}|${JSON.stringify(i.path)}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.sink(i);
  }

  private checkBlock({ key, name, spec, base: at }: BlockDef): void {
    let ok = true;
    const bad = (path: SpecPath, message: string, hint?: string) => {
      ok = false;
      this.report("block_error", path, `block "${name}": ${message}`, hint === undefined ? {} : { hint });
    };
    for (const p of Object.keys(spec.params)) {
      if (!PARAM_NAME.test(p)) {
        bad([...at, "params", p], `param "${p}" is not a name`, "use letters, digits and _ (a letter first)");
      } else if (RESERVED_PARAMS.has(p)) {
        bad([...at, "params", p], `param "${p}" is reserved`, "i and n are the instance index and count");
      }
    }
    spec.inputs.forEach((input, j) => {
      if (spec.inputs.indexOf(input) !== j) bad([...at, "inputs", j], `input "${input}" is listed twice`);
      else if (Object.hasOwn(spec.nodes, input)) {
        bad(
          [...at, "inputs", j],
          `input "${input}" is also the name of one of its nodes`,
          "rename one of them",
        );
      }
    });
    if (!Object.hasOwn(spec.nodes, spec.output) && !spec.inputs.includes(spec.output)) {
      bad(
        [...at, "output"],
        `output "${spec.output}" is not one of its nodes.${didYouMeanText(spec.output, Object.keys(spec.nodes))}`,
      );
    }
    if (!ok) this.badBlocks.add(key);
  }

  /** Counts one node or alias against the expansion limit. */
  private take(path: SpecPath): void {
    if (++this.count <= this.limits.maxNodes) return;
    this.report(
      "limit_exceeded",
      path,
      `block expansion makes more than ${this.limits.maxNodes.toLocaleString("en")} nodes`,
      { hint: "lower `repeat` or the nesting of blocks" },
    );
    throw new LimitReached();
  }

  private claim(id: string, path: SpecPath): boolean {
    this.take(path);
    if (!this.ids.has(id)) {
      this.ids.add(id);
      return true;
    }
    this.report("duplicate_id", path, `id "${id}" is made twice by block expansion`, {
      nodeId: id,
      hint: "rename the node or the use: instance ids are <use>.<k> and node ids <use>/<local>",
    });
    return false;
  }

  private alias(id: string, target: string, path: SpecPath): void {
    if (this.claim(id, path)) this.aliases.set(id, target);
  }

  private expandNodes(nodes: Record<string, NodeSpec>, base: SpecPath, scope: Scope): void {
    for (const [local, node] of Object.entries(nodes)) this.expandNode(local, node, [...base, local], scope);
  }

  private expandNode(local: string, node: NodeSpec, path: SpecPath, scope: Scope): void {
    const { op, merge, use, input, inputs, if: cond, with: args, repeat, ...params } = node;
    const id = scope.prefix + local;
    const refs = inputs ?? (input !== undefined ? [input] : []);
    const resolved = refs.map((r, j) => this.resolve(r, scope, path, inputs ? ["inputs", j] : ["input"]));

    if (cond !== undefined && !this.condition(cond, scope, [...path, "if"], id)) {
      const first = resolved[0];
      if (refs.length === 0) {
        this.report(
          "block_error",
          [...path, "if"],
          `node "${id}" is skipped but has no input to stand for it`,
          {
            nodeId: id,
            hint: "a skipped node passes its first input through; give it one",
          },
        );
      } else if (first !== undefined) this.alias(id, first, path);
      return;
    }
    if (use !== undefined) {
      if (op !== undefined || merge !== undefined) {
        this.report(
          "block_error",
          [...path, "use"],
          `node "${id}" has both use: and ${op ? "op" : "merge"}:`,
          {
            nodeId: id,
            hint: "a node is an op, a merge, or a use of a block",
          },
        );
        return;
      }
      this.expandUse(local, use, node, resolved, path, scope);
      return;
    }
    for (const [field, v] of [
      ["with", args],
      ["repeat", repeat],
    ] as const) {
      if (v !== undefined) {
        this.report("block_error", [...path, field], `node "${id}": ${field} applies only to use: nodes`, {
          nodeId: id,
        });
      }
    }
    if (resolved.some((r) => r === undefined)) return;
    const site = { path, nodeId: id, report: (i: SpecIssue) => this.reportIssue(i) };
    if (!this.claim(id, path)) return;
    this.nodes.push({
      id,
      category: merge !== undefined ? "merge" : "op",
      kind: merge ?? op ?? "",
      inputs: resolved as string[],
      params: substitute(params, scope.env, site) as Record<string, unknown>,
      path,
      via: scope.via,
      scope: scope.scope,
    });
  }

  /** Inside a block a ref names one of its nodes or inputs; at the top level refs stay as written. */
  private resolve(ref: string, scope: Scope, node: SpecPath, field: SpecPath): string | undefined {
    const b = scope.block;
    if (!b || b.locals.has(ref) || b.inputs.includes(ref)) return scope.prefix + ref;
    const path = [...node, ...field];
    const known = [...b.inputs, ...b.locals];
    this.report(
      "unknown_ref",
      path,
      `block "${b.name}": "${ref}" is not one of its nodes or inputs (${known.join(", ")}).${didYouMeanText(ref, known)}`,
      { received: ref, hint: "a block sees only its own nodes; pass outside tensors in through its inputs" },
    );
    return undefined;
  }

  private condition(v: boolean | string, scope: Scope, path: SpecPath, id: string): boolean {
    if (typeof v === "boolean") return v;
    const r = substitute(v, scope.env, { path, nodeId: id, report: (i) => this.reportIssue(i) });
    if (typeof r === "boolean") return r;
    if (r !== v) {
      this.report(
        "block_error",
        path,
        `node "${id}": if: must be true or false, received ${JSON.stringify(r)}`,
        {
          nodeId: id,
          received: JSON.stringify(r),
        },
      );
    } else if (!v.includes("$")) {
      this.report("block_error", path, `node "${id}": if: must be true, false, $param or "\${expr}"`, {
        nodeId: id,
        received: v,
      });
    }
    // NOTE: a broken condition keeps the node, so one mistake does not cascade into missing refs.
    return true;
  }

  private repeatCount(v: number | string, scope: Scope, path: SpecPath, id: string): number | undefined {
    const r =
      typeof v === "number"
        ? v
        : substitute(v, scope.env, { path, nodeId: id, report: (i) => this.reportIssue(i) });
    if (typeof r !== "number" || !Number.isInteger(r) || r < 1) {
      if (r !== v || typeof v === "number" || !v.includes("$")) {
        this.report(
          "block_error",
          path,
          `use "${id}": repeat must be a positive integer, received ${JSON.stringify(r)}`,
          {
            nodeId: id,
            received: JSON.stringify(r),
          },
        );
      }
      return undefined;
    }
    if (r > this.limits.maxNodes) {
      this.report(
        "limit_exceeded",
        path,
        `use "${id}": repeat ${r} exceeds ${this.limits.maxNodes.toLocaleString("en")}`,
        {
          nodeId: id,
          received: String(r),
        },
      );
      return undefined;
    }
    return r;
  }

  private expandUse(
    local: string,
    name: string,
    node: NodeSpec,
    fed: readonly (string | undefined)[],
    path: SpecPath,
    scope: Scope,
  ): void {
    const useId = scope.prefix + local;
    const key = scope.uses.get(name);
    if (key === null) return; // a failed import, reported at its imports: entry
    const def = key === undefined ? undefined : this.table.defs.get(key);
    if (!def) {
      const known = [...scope.uses.keys()];
      this.report(
        "block_error",
        [...path, "use"],
        `use "${useId}": no block named "${name}".${didYouMeanText(name, known)}`,
        {
          nodeId: useId,
          received: name,
          expected: known.length > 0 ? known.join(" | ") : "a block defined under blocks: or imports:",
        },
      );
      return;
    }
    const { spec } = def;
    if (scope.stack.includes(def.key)) {
      const loop = [...scope.stack.slice(scope.stack.indexOf(def.key)), def.key];
      this.report(
        "block_error",
        [...path, "use"],
        `block "${def.name}" uses itself: ${loop.map((k) => this.table.defs.get(k)?.name ?? k).join(" → ")}`,
        {
          nodeId: useId,
          hint: "blocks may nest but not recurse; use repeat to chain copies",
        },
      );
      return;
    }
    if (scope.stack.length >= this.limits.maxDepth) {
      this.report(
        "limit_exceeded",
        [...path, "use"],
        `use "${useId}": blocks nest deeper than ${this.limits.maxDepth}`,
        {
          nodeId: useId,
        },
      );
      return;
    }
    if (this.badBlocks.has(def.key)) return; // already reported at the definition
    let ok = true;
    const err = (p: SpecPath, message: string, extra: Partial<SpecIssue> = {}) => {
      ok = false;
      this.report("block_error", p, `use "${useId}" of ${def.label}: ${message}`, {
        nodeId: useId,
        ...extra,
      });
    };
    if (fed.length !== spec.inputs.length) {
      const p = node.inputs !== undefined ? "inputs" : node.input !== undefined ? "input" : undefined;
      err(
        p === undefined ? path : [...path, p],
        `takes ${spec.inputs.length} input(s) (${spec.inputs.join(", ")}), received ${fed.length}`,
        {
          expected: String(spec.inputs.length),
          received: String(fed.length),
          hint:
            spec.inputs.length === 1
              ? "give it `input: <id>`"
              : `give it \`inputs: [${spec.inputs.join(", ")}]\``,
        },
      );
    }
    const args = node.with ?? {};
    const paramNames = Object.keys(spec.params);
    for (const k of Object.keys(args)) {
      if (!Object.hasOwn(spec.params, k)) {
        err([...path, "with", k], `it has no param "${k}".${didYouMeanText(k, paramNames)}`, {
          expected: paramNames.length > 0 ? paramNames.join(" | ") : "no params",
          received: k,
        });
      }
    }
    const missing = paramNames.filter((p) => spec.params[p] === null && (args[p] ?? null) === null);
    if (missing.length > 0) {
      err(
        node.with ? [...path, "with"] : path,
        `missing required param${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
        {
          expected: missing.join(", "),
          hint: `add with: { ${missing.map((m) => `${m}: …`).join(", ")} }`,
        },
      );
    }
    const n =
      node.repeat === undefined ? 1 : this.repeatCount(node.repeat, scope, [...path, "repeat"], useId);
    if (!ok || n === undefined || fed.some((f) => f === undefined)) return;

    const locals = new Set(Object.keys(spec.nodes));
    const inner = { name: def.name, locals, inputs: spec.inputs };
    let prev: string | undefined;
    for (let k = 0; k < n; k++) {
      const instance = n > 1 ? `${useId}.${k}` : useId;
      const prefix = `${instance}/`;
      const argEnv = new Map(scope.env).set("i", k).set("n", n);
      const env = new Map<string, unknown>();
      for (const p of paramNames) {
        const given = args[p];
        const site = {
          path: [...path, "with", p],
          nodeId: instance,
          report: (i: SpecIssue) => this.reportIssue(i),
        };
        env.set(p, given === undefined || given === null ? spec.params[p] : substitute(given, argEnv, site));
      }
      env.set("i", k).set("n", n);
      spec.inputs.forEach((input, j) => {
        this.alias(prefix + input, j === 0 && prev !== undefined ? prev : (fed[j] as string), path);
      });
      this.expandNodes(spec.nodes, [...def.base, "nodes"], {
        prefix,
        block: inner,
        uses: def.uses,
        env,
        via: [...scope.via, path],
        scope: [...scope.scope, instance],
        stack: [...scope.stack, def.key],
      });
      prev = prefix + spec.output;
      if (n > 1) this.alias(instance, prev, path);
    }
    this.alias(useId, prev as string, path);
  }
}
