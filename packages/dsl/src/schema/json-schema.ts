import { z } from "zod";
import { blockSchema, documentSchema } from "../document/document.js";
import { type OpKind, opDef, ops } from "../ops/index.js";
import { paramObjects } from "../ops/param-objects.js";

/** Where a block's param is used, a field may hold `$name` or `${expr}` instead of its value. */
const substitution = z
  .string()
  .regex(/^\$/)
  // biome-ignore lint/suspicious/noTemplateCurlyInString: `${expr}` is the spec language's own syntax.
  .describe("a block param, `$name`, or an expression, `${expr}`, substituted when the block is used");

const refs = {
  input: z.string().optional().describe("the node's single input: a graph input, node or block use"),
  inputs: z.array(z.string()).optional().describe("the node's inputs, in order"),
  if: z
    .union([z.boolean(), z.string()])
    .optional()
    .describe("skip the node when false; refs then go to its first input"),
};

const shareWeights = z
  .string()
  .optional()
  .describe(
    "use the weights of this node (same kind, same weight shapes) instead of owning any; in a block, resolved in its instance first",
  );

/**
 * The variants of one op kind: its `op:`/`merge:` literal, refs, and that op's own params (one variant
 * per option when the params are a union, e.g. activation's per-`fn` params).
 */
function variants(kind: OpKind, inBlock: boolean): z.ZodType[] {
  const def = opDef(kind);
  const objects = paramObjects(def.params);
  // NOTE: params that are no object schema cannot be listed; such a kind accepts any field.
  if (objects.length === 0) return [variant(kind, def.category, def.doc, undefined, inBlock)];
  return objects.map((o) =>
    variant(kind, def.category, def.doc, o.shape as Record<string, z.ZodType>, inBlock),
  );
}

function variant(
  kind: string,
  category: "primitive" | "merge",
  doc: string,
  params: Record<string, z.ZodType> | undefined,
  inBlock: boolean,
): z.ZodType {
  const field = category === "merge" ? "merge" : "op";
  const fields: Record<string, z.ZodType> = {};
  for (const [name, schema] of Object.entries(params ?? {})) {
    if (!inBlock) fields[name] = schema;
    else {
      // NOTE: a union drops the field's optionality, so a field that may be left out is marked again.
      const either = z.union([schema, substitution]);
      fields[name] = schema.safeParse(undefined).success ? either.optional() : either;
    }
  }
  const shape = { [field]: z.literal(kind), ...refs, shareWeights, ...fields };
  const obj = params ? z.strictObject(shape) : z.object(shape).catchall(z.unknown());
  return obj.meta({ title: `${field}: ${kind}`, description: doc });
}

const useVariant = z
  .strictObject({
    use: z.string().describe("name of a block under `blocks` or `imports`"),
    ...refs,
    with: z.record(z.string(), z.unknown()).optional().describe("values for the block's params"),
    repeat: z.union([z.number().int().positive(), z.string()]).optional().describe("chain n instances"),
  })
  .meta({ title: "use: <block>" });

function nodeUnion(inBlock: boolean): z.ZodType {
  const kinds = Object.keys(ops) as OpKind[];
  return z.union([...kinds.flatMap((k) => variants(k, inBlock)), useVariant]);
}

/**
 * A JSON Schema (draft 2020-12) of spec documents for editors: each node is one of a variant per op
 * kind (with that op's params) or a block use, so editors complete and check node fields. Inside blocks
 * every param may also be a `$` substitution.
 *
 * The committed copy, `packages/dsl/schema/fusegraph.schema.json`, is compared with this by
 * `json-schema.test.ts`, which fails when it is stale; regenerate it with
 * `npx vitest run packages/dsl/src/json-schema.test.ts -u`.
 */
export function specJsonSchema(): Record<string, unknown> {
  const editorDoc = documentSchema.extend({
    nodes: z.record(z.string(), nodeUnion(false)),
    blocks: z
      .record(z.string(), blockSchema.extend({ nodes: z.record(z.string(), nodeUnion(true)) }))
      .optional(),
  });
  const schema = z.toJSONSchema(editorDoc, { io: "input", unrepresentable: "any", target: "draft-2020-12" });
  return {
    ...schema,
    $id: "https://fusegraph.dev/schema/fusegraph.schema.json",
    title: "fusegraph spec",
    description:
      "A neural network as a graph of named nodes; merges (add, concat, weightedAdd, conv1x1Add) are first-class.",
  };
}
