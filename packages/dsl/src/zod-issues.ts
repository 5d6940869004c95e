import type { z } from "zod";
import { type IssueCode, issue, type SpecIssue, type SpecPath } from "./issues.js";
import { didYouMeanText } from "./suggest.js";

type ZodIssue = z.core.$ZodIssue;

/** A short, readable rendering of a received value for messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (typeof v === "number" || typeof v === "boolean" || v === null) return String(v);
  let s: string;
  try {
    s = JSON.stringify(v) ?? typeof v;
  } catch {
    s = Array.isArray(v) ? "an array" : "an object";
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function typeName(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : typeof v;
}

/** What the schema wanted, in words; for unions, each alternative joined with "or". */
function expectedOf(i: ZodIssue): string | undefined {
  switch (i.code) {
    case "invalid_type":
      return i.expected === "int"
        ? "an integer"
        : i.expected === "tuple"
          ? "a fixed-length array"
          : i.expected;
    case "invalid_value":
      return `one of ${i.values.map((v) => JSON.stringify(v)).join(" | ")}`;
    case "too_small":
    case "too_big": {
      const op = i.code === "too_small" ? (i.inclusive ? ">=" : ">") : i.inclusive ? "<=" : "<";
      const bound = String(i.code === "too_small" ? i.minimum : i.maximum);
      return i.origin === "array" || i.origin === "string" || i.origin === "set"
        ? `${i.origin === "string" ? "a string" : "an array"} with length ${op} ${bound}`
        : `a number ${op} ${bound}`;
    }
    case "invalid_format":
      return i.format === "regex" ? `a string matching ${i.pattern ?? "the pattern"}` : `a ${i.format}`;
    case "not_multiple_of":
      return `a multiple of ${String(i.divisor)}`;
    case "invalid_union": {
      const alts = new Set<string>();
      for (const branch of i.errors) {
        const first = branch[0];
        const e = first && first.path.length === 0 ? expectedOf(first) : undefined;
        if (e) alts.add(e);
      }
      return alts.size > 0 ? [...alts].join(" or ") : undefined;
    }
    default:
      return undefined;
  }
}

export interface ConvertOptions {
  /** Prefix for every path, e.g. `["nodes", "c1"]`. */
  base: SpecPath;
  code: IssueCode;
  nodeId?: string;
  /** Names a message starts with, e.g. `node "c1" (conv2d)`. */
  subject?: string;
  /** Known keys of the object, to suggest one for an unrecognized key. */
  knownKeys?: (path: SpecPath) => readonly string[];
}

/** Turns zod issues (parsed with `reportInput: true`) into spec issues with full paths. */
export function fromZodIssues(issues: readonly ZodIssue[], o: ConvertOptions): SpecIssue[] {
  const out: SpecIssue[] = [];
  const subject = o.subject ? `${o.subject}: ` : "";
  const extra = o.nodeId !== undefined ? { nodeId: o.nodeId } : {};
  for (const i of issues) {
    const rel = i.path.filter((p): p is string | number => typeof p !== "symbol");
    const path = [...o.base, ...rel];
    const where = rel.length > 0 ? `"${rel.join(".")}"` : "value";
    if (i.code === "unrecognized_keys") {
      const known = o.knownKeys?.(rel) ?? [];
      for (const k of i.keys) {
        const hint = known.length > 0 ? `known fields: ${known.join(", ")}` : undefined;
        out.push(
          issue(o.code, [...path, k], `${subject}unknown field "${k}".${didYouMeanText(k, known)}`, {
            ...extra,
            received: k,
            ...(hint ? { hint } : {}),
          }),
        );
      }
      continue;
    }
    const expected = expectedOf(i);
    const input = (i as { input?: unknown }).input;
    const received =
      i.code === "invalid_type" && input !== undefined && typeof input === "object"
        ? typeName(input)
        : describeValue(input);
    const msg =
      input === undefined
        ? `${subject}missing ${where}${expected ? `, expected ${expected}` : ""}`
        : `${subject}${where} is invalid${expected ? `: expected ${expected}, received ${received}` : `: ${i.message}`}`;
    out.push(issue(o.code, path, msg, { ...extra, ...(expected ? { expected } : {}), received }));
  }
  return out;
}
