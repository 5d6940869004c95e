import { issue, type SpecIssue, type SpecPath } from "./issues.js";
import { LIMITS } from "./limits.js";

/**
 * Copies a parsed document into fresh plain objects and arrays, so nothing later can be steered by
 * what parsing produced: a `__proto__` key is reported and dropped (assigning it would replace the
 * copy's prototype; it is the only accessor on Object.prototype, so every other key assigns an own
 * property), non-JSON values (functions, symbols, class
 * instances) become issues. Nesting and total size are bounded, so alias bombs and deeply nested input
 * end as `limit_exceeded` instead of exhausting memory or the stack.
 */
export function sanitize(raw: unknown): { value: unknown; issues: SpecIssue[] } {
  const issues: SpecIssue[] = [];
  let count = 0;
  let overflow = false;

  // Paths are built only when an issue needs one.
  type At = { up: At; key: string | number } | null;
  const pathOf = (at: At): SpecPath => {
    const out: (string | number)[] = [];
    for (let a = at; a; a = a.up) out.push(a.key);
    return out.reverse();
  };

  // NOTE: recursion is safe: depth is capped at LIMITS.maxDepth.
  const copy = (v: unknown, at: At, depth: number): unknown => {
    if (overflow) return undefined;
    if (++count > LIMITS.maxValues) {
      overflow = true;
      issues.push(
        issue("limit_exceeded", [], `the document expands to more than ${LIMITS.maxValues} values`, {
          hint: "YAML aliases (*name) multiply content; write the repeated part as a block instead",
        }),
      );
      return undefined;
    }
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) {
        issues.push(issue("invalid_spec", pathOf(at), `a number must be finite, received ${v}`));
        return undefined;
      }
      return v;
    }
    if (typeof v !== "object") {
      issues.push(issue("invalid_spec", pathOf(at), `unsupported value of type ${typeof v}`));
      return undefined;
    }
    if (depth >= LIMITS.maxDepth) {
      overflow = true;
      issues.push(
        issue("limit_exceeded", pathOf(at), `the document nests deeper than ${LIMITS.maxDepth} levels`),
      );
      return undefined;
    }
    if (Array.isArray(v)) return v.map((x, i) => copy(x, { up: at, key: i }, depth + 1));
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      issues.push(
        issue("invalid_spec", pathOf(at), "expected plain data (objects, arrays, strings, numbers)"),
      );
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      if (key === "__proto__") {
        issues.push(
          issue("invalid_spec", pathOf({ up: at, key }), `"__proto__" is not allowed as a key`, {
            received: key,
            hint: "rename it; __proto__, constructor and prototype are reserved",
          }),
        );
        continue;
      }
      out[key] = copy((v as Record<string, unknown>)[key], { up: at, key }, depth + 1);
    }
    return out;
  };

  const value = copy(raw, null, 0);
  return { value: overflow ? undefined : value, issues };
}
