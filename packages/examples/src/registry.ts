import type { MergeKind, SpecDocumentInput } from "@fusegraph/dsl";

/** A bundled architecture: a builder with options, registered by name for the CLI. */
export interface Example {
  name: string;
  /** One line: what it is and which merge it shows. */
  description: string;
  /** Merge modes the architecture uses. */
  merges: readonly MergeKind[];
  /** The full-size spec (the published configuration). */
  spec(): SpecDocumentInput;
  /** The same topology at a CI-sized input (e.g. 64x64), for cross-backend checks that must be fast. */
  smallSpec(): SpecDocumentInput;
  /** Absolute path of an equivalent YAML spec file shipped with the package, if there is one. */
  yamlPath?: string;
}

const registry = new Map<string, Example>();

export function registerExample(example: Example): void {
  registry.set(example.name, example);
}

export function listExamples(): readonly Example[] {
  return [...registry.values()];
}

export function findExample(name: string): Example | undefined {
  return registry.get(name);
}
