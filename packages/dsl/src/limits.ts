import { MAX_ELEMENTS } from "./shape.js";

/**
 * Bounds on what a spec may ask for. Each one keeps validation itself cheap and safe on hostile input
 * (huge files, alias bombs, deep nesting, runaway block expansion); exceeding one is `limit_exceeded`.
 * These are the defaults; `ParseOptions.limits` (and the CLI's `--limit name=value`) override them per
 * call, up to {@link LIMIT_CEILINGS}.
 */
export const LIMITS = {
  /**
   * Characters of spec text. NOTE: the yaml parser spends ~2 µs of CPU per character of a dense flow
   * list, so 256 KiB bounds any text's parse to about half a second; DenseNet-264 written out node by
   * node in JSON is ~170 KB, and real specs with blocks are a few KB.
   */
  maxTextChars: 256 * 1024,
  /** Alias expansions YAML may perform (the `yaml` package's `maxAliasCount`). */
  maxAliasCount: 1_000,
  /** Nesting depth of the document's values, and of blocks inside blocks. */
  maxDepth: 64,
  /** Values (objects, arrays, scalars) in the document once aliases are expanded. */
  maxValues: 2_000_000,
  /**
   * Nodes after block expansion (also the largest `repeat`). NOTE: validation costs 30-100 µs per node
   * on a busy 2-core machine, so the largest valid spec is checked in about half a second; the largest
   * real nets (DenseNet-264, ResNet-1001) have a few thousand nodes.
   */
  maxNodes: 10_000,
  /** Length of a chain of imports (a spec importing a block whose file imports another, ...). */
  maxImportDepth: 16,
  /** Distinct documents one spec may import, directly or through others. */
  maxImportedDocuments: 256,
  /** Rank of any tensor. */
  maxRank: 16,
  /** Characters of an id (input, node, block); block expansion copies ids into every instance's id. */
  maxIdChars: 256,
  /** Elements of any one array of the document, checked before the array is walked (or parsed). */
  maxArrayLength: 100_000,
  /** Elements of one tensor (one example, without the batch). */
  maxElements: MAX_ELEMENTS,
  /** Issues reported; one more `limit_exceeded` issue says how many were left out. */
  maxIssues: 100,
  /** Padding (from `same` or explicit) a window may add beyond its input's extent, per side. */
  maxPadBeyondInput: 64,
  /** Parameter, MAC and flop counts (per node and in total): exact integers only. */
  maxCount: Number.MAX_SAFE_INTEGER,
} as const;

/** The name of one limit. */
export type LimitName = keyof typeof LIMITS;

/** A full set of limits, as one validation call uses them. */
export type Limits = { readonly [K in LimitName]: number };

/** Every limit's name, in the order of {@link LIMITS}. */
export const LIMIT_NAMES: readonly LimitName[] = Object.keys(LIMITS) as LimitName[];

/**
 * The highest value each limit may be raised to, where a larger one would break an invariant rather
 * than just cost time or memory.
 */
export const LIMIT_CEILINGS: Limits = {
  // V8's longest string is 2^29 - 24 characters.
  maxTextChars: 2 ** 29 - 24,
  maxAliasCount: Number.MAX_SAFE_INTEGER,
  // Documents and blocks are copied and expanded recursively: deeper nesting would overflow the stack.
  maxDepth: 1_000,
  maxValues: Number.MAX_SAFE_INTEGER,
  maxNodes: Number.MAX_SAFE_INTEGER,
  maxImportDepth: 1_000,
  maxImportedDocuments: Number.MAX_SAFE_INTEGER,
  maxRank: 1_000,
  maxIdChars: Number.MAX_SAFE_INTEGER,
  // The longest JavaScript array.
  maxArrayLength: 2 ** 32 - 1,
  // Backends allocate each tensor as one typed array indexed by 32-bit integers.
  maxElements: MAX_ELEMENTS,
  maxIssues: Number.MAX_SAFE_INTEGER,
  maxPadBeyondInput: Number.MAX_SAFE_INTEGER,
  // Counts are doubles: above 2^53 - 1 they stop being exact.
  maxCount: Number.MAX_SAFE_INTEGER,
};

/** Overrides that name no limit, or give one a value that is not an integer in [1, ceiling]. */
export class LimitsError extends Error {
  override readonly name = "LimitsError";
  readonly code = "invalid_limit";

  constructor(
    /** The name given, as given. */
    readonly limit: string,
    message: string,
  ) {
    super(message);
  }
}

/** Why `value` cannot be the limit `name`, or undefined when it can. */
export function limitProblem(name: string, value: unknown): string | undefined {
  if (!Object.hasOwn(LIMITS, name)) {
    return `unknown limit "${name}"; the limits are ${LIMIT_NAMES.join(", ")}`;
  }
  const ceiling = LIMIT_CEILINGS[name as LimitName];
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > ceiling) {
    return `limit ${name} must be an integer from 1 to ${ceiling}, received ${typeof value === "number" ? value : (JSON.stringify(value) ?? typeof value)}`;
  }
  return undefined;
}

/**
 * The defaults with `overrides` applied, as a fresh frozen object (each call gets its own; nothing
 * global changes). Throws a {@link LimitsError} for an unknown name or a value out of range.
 */
export function resolveLimits(overrides?: Partial<Limits>): Limits {
  if (overrides === undefined) return LIMITS;
  const out: Record<LimitName, number> = { ...LIMITS };
  for (const name of Object.keys(overrides)) {
    const value: unknown = (overrides as Record<string, unknown>)[name];
    if (value === undefined) continue;
    const problem = limitProblem(name, value);
    if (problem) throw new LimitsError(name, problem);
    out[name as LimitName] = value as number;
  }
  return Object.freeze(out);
}

/** Names that would reach `Object.prototype` if used as ids or keys of plain objects. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);
