/**
 * Bounds on what a spec may ask for. Each one keeps validation itself cheap and safe on hostile input
 * (huge files, alias bombs, deep nesting, runaway block expansion); exceeding one is `limit_exceeded`.
 */
export const LIMITS = {
  /** Characters of spec text. */
  maxTextChars: 2 * 1024 * 1024,
  /** Alias expansions YAML may perform (the `yaml` package's `maxAliasCount`). */
  maxAliasCount: 1_000,
  /** Nesting depth of the document's values. */
  maxDepth: 64,
  /** Values (objects, arrays, scalars) in the document once aliases are expanded. */
  maxValues: 2_000_000,
  /** Nodes after block expansion. */
  maxNodes: 100_000,
  /** Length of a chain of imports (a spec importing a block whose file imports another, ...). */
  maxImportDepth: 16,
  /** Distinct documents one spec may import, directly or through others. */
  maxImportedDocuments: 256,
  /** Rank of any tensor. */
  maxRank: 16,
  /** Characters of an id (input, node, block); block expansion copies ids into every instance's id. */
  maxIdChars: 256,
  /** Elements of any one array of the document, checked before the array is walked. */
  maxArrayLength: 100_000,
  /** Issues reported; one more `limit_exceeded` issue says how many were left out. */
  maxIssues: 100,
  /** Padding (from `same` or explicit) a window may add beyond its input's extent, per side. */
  maxPadBeyondInput: 64,
  /** Parameter, MAC and flop counts (per node and in total): exact integers only. */
  maxCount: Number.MAX_SAFE_INTEGER,
} as const;

/** Names that would reach `Object.prototype` if used as ids or keys of plain objects. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);
