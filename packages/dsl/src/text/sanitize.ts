import { issue, type SpecIssue, type SpecPath } from "../issues.js";
import { LIMITS, type Limits } from "../limits.js";

/**
 * Copies a parsed document into fresh plain objects and arrays, so nothing later can be steered by
 * what parsing produced: a `__proto__` key is reported and dropped (assigning it would replace the
 * copy's prototype; it is the only accessor on Object.prototype, so every other key assigns an own
 * property), non-JSON values (functions, symbols, class
 * instances) become issues. Nesting and total size are bounded, so alias bombs and deeply nested input
 * end as `limit_exceeded` instead of exhausting memory or the stack.
 */
export function sanitize(raw: unknown, limits: Limits = LIMITS): { value: unknown; issues: SpecIssue[] } {
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

  // NOTE: recursion is safe: depth is capped at limits.maxDepth (at most LIMIT_CEILINGS.maxDepth).
  const copy = (v: unknown, at: At, depth: number): unknown => {
    if (overflow) return undefined;
    if (++count > limits.maxValues) {
      overflow = true;
      issues.push(
        issue("limit_exceeded", [], `the document expands to more than ${limits.maxValues} values`, {
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
    if (depth >= limits.maxDepth) {
      overflow = true;
      issues.push(
        issue("limit_exceeded", pathOf(at), `the document nests deeper than ${limits.maxDepth} levels`),
      );
      return undefined;
    }
    if (Array.isArray(v)) {
      // NOTE: before walking: a sparse array's length can be 2^32-1 with no elements at all.
      if (v.length > limits.maxArrayLength) {
        issues.push(
          issue(
            "limit_exceeded",
            pathOf(at),
            `a list has ${v.length} elements, more than ${limits.maxArrayLength}`,
            {
              expected: `at most ${limits.maxArrayLength} elements`,
            },
          ),
        );
        return undefined;
      }
      return Array.from(v, (x, i) => copy(x, { up: at, key: i }, depth + 1));
    }
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

  try {
    const value = copy(raw, null, 0);
    return { value: overflow ? undefined : value, issues };
  } catch (e) {
    // Hostile API input: a getter or proxy trap that throws, or a cyclic value Object.keys cannot end.
    issues.push(
      issue("invalid_spec", [], `cannot read the document: ${describe(e)}`, {
        hint: "pass plain data (objects, arrays, strings, numbers), e.g. the result of JSON.parse",
      }),
    );
    return { value: undefined, issues };
  }
}

/** A thrown value's message, without trusting it (its own getters or toString may throw again). */
function describe(e: unknown): string {
  try {
    return String(e instanceof Error ? e.message : e).slice(0, 200);
  } catch {
    return "reading it threw";
  }
}
