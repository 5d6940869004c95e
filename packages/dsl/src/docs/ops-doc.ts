import { z } from "zod";
import { type GraphNode, shapeOf } from "../graph/graph.js";
import type { Arity, OpDef } from "../ops/define-op.js";
import { type OpKind, opDef, ops } from "../ops/index.js";
import { paramObjects } from "../ops/param-objects.js";
import { loadGraph } from "../pipeline.js";
import { formatShape, type Shape } from "../shape.js";
import { type OpCase, opCases } from "../testing/cases.js";

/** Where the generated page lives, from the repository root. */
export const OPS_DOC_PATH = "docs/ops.md";

/** How to regenerate the page (the stale-file test prints it). */
export const OPS_DOC_COMMAND = "npm run docs:ops -w @fusegraph/dsl";

type JsonSchema = {
  type?: string;
  enum?: readonly unknown[];
  const?: unknown;
  anyOf?: readonly JsonSchema[];
  oneOf?: readonly JsonSchema[];
  prefixItems?: readonly JsonSchema[];
  items?: JsonSchema | false;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  pattern?: string;
  default?: unknown;
};

const UNBOUNDED = Number.MAX_SAFE_INTEGER;

function bounds(s: JsonSchema): string {
  const lo =
    s.exclusiveMinimum !== undefined
      ? `> ${s.exclusiveMinimum}`
      : s.minimum !== undefined && s.minimum > -UNBOUNDED
        ? `>= ${s.minimum}`
        : "";
  const hi =
    s.exclusiveMaximum !== undefined
      ? `< ${s.exclusiveMaximum}`
      : s.maximum !== undefined && s.maximum < UNBOUNDED
        ? `<= ${s.maximum}`
        : "";
  return [lo, hi].filter(Boolean).join(", ");
}

/** A param's accepted values in a few words, from the JSON Schema zod derives from the op's params. */
export function describeValues(s: JsonSchema): string {
  const options = s.anyOf ?? s.oneOf;
  if (options) return options.map(describeValues).join(" or ");
  if (s.const !== undefined) return `\`${String(s.const)}\``;
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(" or ");
  if (s.type === "integer" || s.type === "number") {
    const b = bounds(s);
    return `${s.type === "integer" ? "int" : "number"}${b ? ` ${b}` : ""}`;
  }
  if (s.type === "array") {
    if (s.prefixItems) return `[${s.prefixItems.map(describeValues).join(", ")}]`;
    return `list of ${s.items ? describeValues(s.items) : "values"}`;
  }
  if (s.type === "string" && s.pattern !== undefined) return "node id";
  return s.type ?? "any value";
}

interface ParamDoc {
  name: string;
  values: string;
  /** `required`, `optional`, or `default <value>`. */
  presence: string;
}

/** Every param of an op, from its zod schema: accepted values and default (union variants merged). */
export function paramDocs(def: OpDef<string, unknown>): ParamDoc[] {
  const byName = new Map<string, ParamDoc>();
  for (const object of paramObjects(def.params)) {
    const schema = z.toJSONSchema(object, { io: "input", unrepresentable: "any" }) as {
      properties?: Record<string, JsonSchema>;
      required?: readonly string[];
    };
    for (const [name, field] of Object.entries(schema.properties ?? {})) {
      const presence =
        field.default !== undefined
          ? `default ${JSON.stringify(field.default)}`
          : schema.required?.includes(name)
            ? "required"
            : "optional";
      const values = describeValues(field);
      const seen = byName.get(name);
      // activation's variants each hold `fn` as one literal: list them together.
      if (seen && seen.values !== values) seen.values = `${seen.values} or ${values}`;
      else if (!seen) byName.set(name, { name, values, presence });
    }
  }
  return [...byName.values()];
}

export function describeArity(a: Arity): string {
  if (typeof a === "number") return `${a} input${a === 1 ? "" : "s"}`;
  if (a === "variadic") return "any number of inputs";
  return `${a.min} to ${a.max} inputs`;
}

/** The first shared conformance case whose node `y` is of this kind: a real, validated example. */
function exampleOf(kind: OpKind): { c: OpCase; node: GraphNode; inputShapes: Shape[] } | undefined {
  for (const c of opCases) {
    const y = c.spec.nodes.y as { op?: string; merge?: string } | undefined;
    if ((y?.op ?? y?.merge) !== kind) continue;
    const graph = loadGraph(c.spec);
    const node = graph.nodes.find((n) => n.id === "y");
    const inputShapes = node?.inputs.map((id) => shapeOf(graph, id));
    if (node && inputShapes?.every((s) => s !== undefined)) return { c, node, inputShapes };
  }
  return undefined;
}

function exampleLines(kind: OpKind): string[] {
  const ex = exampleOf(kind);
  if (!ex) return ["- **Example**: none among the shared conformance cases; it appears in expansions."];
  const def = opDef(kind);
  const { node, inputShapes } = ex;
  const written = Object.entries(ex.c.spec.nodes.y ?? {})
    .filter(([k]) => k !== "input" && k !== "inputs")
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(", ");
  const lines = [
    `- **Example** (conformance case \`${ex.c.name}\`): \`{ ${written} }\` on ${inputShapes.map(formatShape).join(", ")} -> ${formatShape(node.shape)}`,
  ];
  const weights = def.weights({ inputs: inputShapes, params: node.params, output: node.shape });
  if (weights.length > 0) {
    const list = weights
      .map((w) => `\`${w.name}\` ${formatShape(w.shape)}${w.trainable ? "" : " (non-trainable)"}`)
      .join(", ");
    lines.push(`- **Weights** of the example: ${list}`);
  }
  if (def.expand) {
    const e = def.expand({ id: "y", inputs: node.inputs }, node.params, inputShapes);
    lines.push(
      `- **Expands to** (the example): ${e.nodes.map((n) => `\`${n.id}\` (${n.kind})`).join(" -> ")}`,
    );
  }
  return lines;
}

function section(kind: OpKind): string[] {
  const def = opDef(kind);
  const params = paramDocs(def);
  const written = def.category === "merge" ? `merge: ${kind}` : `op: ${kind}`;
  return [
    `### ${kind}`,
    "",
    def.details ?? def.doc,
    "",
    `- **Written** \`${written}\`, ${describeArity(def.arity)}`,
    `- **Params**: ${
      params.length === 0 ? "none" : params.map((p) => `\`${p.name}\` ${p.values} (${p.presence})`).join("; ")
    }`,
    ...exampleLines(kind),
    "",
  ];
}

const HEADER = [
  "# Op catalogue (the contract between the DSL and every backend)",
  "",
  "<!-- Generated from packages/dsl/src/ops/*.ts by packages/dsl/src/docs/ops-doc.ts; do not edit by hand.",
  `     Edit an op's \`doc\`/\`details\`/params, then run \`${OPS_DOC_COMMAND}\`. -->`,
  "",
  "Shapes are one example's, channels last; the batch dimension is implicit. Every op is defined once in",
  "`packages/dsl/src/ops/<kind>.ts` (params schema with defaults, shape rule, weights, MACs, flops, doc);",
  "this page is generated from those definitions. Weight layouts equal Keras/TF.js layouts so tfjs",
  "weights load with no transposes. Each example below is one of the shared conformance cases",
  "(`@fusegraph/dsl/testing`) that both backends run, with the shapes and weights the DSL infers for it.",
  "",
];

const MERGE_NOTES = [
  "weightedAdd expands to fusionWeights -> scaleBy per input -> add (-> biasAdd); conv1x1Add to conv2d",
  "(-> batchNorm) -> upsample -> add. Expanded node ids are `<id>/<part>`; the last expanded node carries",
  "the merge's own id. A backend may implement a composite natively (tfjs does both) or run its expansion",
  "(the CPU backend does).",
  "",
];

const FOOTER = [
  "## Names in backends",
  "",
  "Node ids may contain `/` (block scopes: `layer1.0/conv1`). TF.js layer names may not, so the tfjs",
  "backend names a node's layer `layerNameFor(id)`: `/` becomes `__` (`layer1.0__conv1`), and ids that",
  "contain `__` or start with `_` are refused at compile time since they could not map back. Weight names",
  "are `<node id>/<weight name>` in every backend and in the fusegraph weights format.",
];

function table(kinds: readonly OpKind[]): string[] {
  return [
    "| kind | inputs | summary |",
    "| ---- | ------ | ------- |",
    ...kinds.map(
      (k) =>
        `| [${k}](#${k.toLowerCase()}) | ${describeArity(opDef(k).arity)} | ${opDef(k).doc.replaceAll("|", "\\|")} |`,
    ),
    "",
  ];
}

/** docs/ops.md, rendered from the op definitions; pure. */
export function renderOpsDoc(): string {
  const kinds = Object.keys(ops) as OpKind[];
  const primitives = kinds.filter((k) => opDef(k).category === "primitive");
  const merges = kinds.filter((k) => opDef(k).category === "merge");
  return [
    ...HEADER,
    "## Primitives (`op: <kind>`)",
    "",
    ...table(primitives),
    "`fusionWeights`, `scaleBy` and `biasAdd` exist so that weightedAdd expands into primitives.",
    "",
    ...primitives.flatMap(section),
    "## Merges (`merge: <kind>`, `inputs: [...]`)",
    "",
    ...table(merges),
    ...MERGE_NOTES,
    ...merges.flatMap(section),
    ...FOOTER,
    "",
  ].join("\n");
}
