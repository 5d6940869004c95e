import { z } from "zod";

/**
 * The spec document model shared by YAML, JSON and the TypeScript builder. Only the document's
 * structure is checked here; a node's own params are checked against its op's schema later, once
 * blocks are expanded (so `$width` and `${width * 4}` may stand where a number is expected).
 */

/** Node ids and names: letters, digits, `_`, `-`, `.`, `/`; a letter or `_` first. */
export const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_.\-/]*$/;
export const idSchema = z
  .string()
  .regex(ID_PATTERN, "an id: a letter or _ first, then letters, digits, _ . - /");

const dim = z.number().int().positive();

/** A node: exactly one of `op`, `merge` or `use`, plus its inputs and params. */
export const nodeSchema = z
  .object({
    op: z.string().optional(),
    merge: z.string().optional(),
    use: z.string().optional(),
    input: z.string().optional(),
    inputs: z.array(z.string()).optional(),
    /** Blocks: argument values for the block's params. */
    with: z.record(z.string(), z.unknown()).optional(),
    /** Blocks: chain n instances, each fed by the previous one's output. */
    repeat: z.union([z.number().int().positive(), z.string()]).optional(),
    /** A node whose condition is false is skipped: references to it resolve to its first input. */
    if: z.union([z.boolean(), z.string()]).optional(),
    /**
     * Op and merge nodes: the id of a node of the same kind whose weights this one uses instead of its
     * own (tied weights, e.g. one RNN cell unrolled over time steps). Not an input: weights are static,
     * so it adds no data edge and no ordering. It resolves in the node's own block instance first,
     * then in each enclosing one, then at the top level. A node naming itself keeps its own weights,
     * so every instance of `cell: { use: step, repeat: 4 }` may say `shareWeights: cell.0/gate`;
     * `"cell.${i - i % 2}/gate"` ties pairs of instances. The target must not share in turn.
     */
    shareWeights: z.string().optional(),
  })
  .catchall(z.unknown());
export type NodeSpec = z.infer<typeof nodeSchema>;

export const blockSchema = z.strictObject({
  /** Param names with default values; `null` marks a param the user must give. */
  params: z.record(z.string(), z.unknown()).default({}),
  /** Names the block's inputs are known by inside it. */
  inputs: z.array(idSchema).default(["x"]),
  nodes: z.record(z.string(), nodeSchema),
  /** The node whose output is the block's output. */
  output: z.string(),
  doc: z.string().optional(),
});
export type BlockSpec = z.infer<typeof blockSchema>;

export const documentSchema = z.strictObject({
  /** Editors' link to the JSON Schema (`fusegraph schema`); ignored otherwise. */
  $schema: z.string().optional(),
  fusegraph: z.literal(1),
  name: z.string().min(1),
  doc: z.string().optional(),
  inputs: z.record(z.string(), z.array(dim).min(1)),
  /**
   * Blocks from other documents, by the name `use:` knows them by: `@scope/pkg/name` or `pkg/name` (a
   * block a spec package declares) or `./file.yaml#block` (relative to this document).
   */
  imports: z.record(z.string(), z.string()).optional(),
  blocks: z.record(z.string(), blockSchema).optional(),
  nodes: z.record(z.string(), nodeSchema),
  outputs: z.array(z.string()).min(1),
});
export type SpecDocument = z.infer<typeof documentSchema>;
/** What a user writes (defaults not yet applied). */
export type SpecDocumentInput = z.input<typeof documentSchema>;
