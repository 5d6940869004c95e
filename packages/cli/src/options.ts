import { LIMIT_NAMES, type Limits, limitProblem } from "@fusegraph/dsl";
import { InvalidArgumentError } from "commander";

/** Commander argument parsers: a bad value becomes commander's one-line usage error (exit 2). */

export function parseInteger(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected an integer >= ${min}`);
    }
    return n;
  };
}

/** A seed: any integer in [0, 2^32). */
export const parseSeed = (value: string): number => {
  const n = parseInteger(0)(value);
  if (n > 0xffffffff) throw new InvalidArgumentError("expected an integer in [0, 4294967295]");
  return n;
};

export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError("expected a positive number, e.g. 1e-4");
  }
  return n;
}

/** One of a fixed set of words. */
export function parseChoice<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of: ${choices.join(", ")}`);
    }
    return value as T;
  };
}

/** `a,b , c` -> ["a", "b", "c"]. */
export function parseList(value: string): string[] {
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (items.length === 0) throw new InvalidArgumentError("expected a comma-separated list");
  return items;
}

/**
 * One `--limit name=value` (repeatable), added to the ones before it: a limit of the spec checks
 * (`LIMITS` of @fusegraph/dsl) raised or lowered for this run. The value takes `_` separators.
 */
export function parseLimit(value: string, previous: Partial<Limits> = {}): Partial<Limits> {
  const m = /^\s*([A-Za-z]+)\s*=\s*([0-9_]+)\s*$/.exec(value);
  const name = m?.[1] ?? value.split("=")[0]?.trim() ?? "";
  const n = m?.[2] !== undefined ? Number(m[2].replace(/_/g, "")) : Number.NaN;
  const known = (LIMIT_NAMES as readonly string[]).includes(name);
  const problem = !known
    ? `unknown limit "${name}"`
    : m
      ? limitProblem(name, n)
      : `expected ${name}=<integer>, received "${value}"`;
  if (problem) throw new InvalidArgumentError(`${problem}; valid names: ${LIMIT_NAMES.join(", ")}`);
  return { ...previous, [name]: n };
}
