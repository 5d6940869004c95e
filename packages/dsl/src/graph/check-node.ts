import { issue, type SpecPath } from "../issues.js";
import type { OpDef } from "../ops/define-op.js";
import { isOpKind, type OpKind, opDef, ops } from "../ops/index.js";
import { paramKeys } from "../ops/param-objects.js";
import { didYouMean } from "../suggest.js";
import { fromZodIssues } from "../zod-issues.js";
import type { ExpansionFallout } from "./fallout.js";
import { type CheckedNode, kindSubjectOf, type Report, subjectOf } from "./topology.js";

const kindsOf = (category: "primitive" | "merge"): string[] =>
  (Object.keys(ops) as OpKind[]).filter((k) => opDef(k).category === category);

/** Fields every node may have besides its params (offered as suggestions for a misspelt field). */
const STRUCTURAL_KEYS = ["input", "inputs", "if", "shareWeights"];

/** The node's params without `shareWeights`, which is a node-level field, not an op param. */
function ownParams(params: Record<string, unknown>): {
  params: Record<string, unknown>;
  share: unknown;
} {
  if (!Object.hasOwn(params, "shareWeights")) return { params, share: undefined };
  const { shareWeights, ...rest } = params;
  return { params: rest, share: shareWeights };
}

function arityText(a: OpDef["arity"]): { ok: (n: number) => boolean; text: string } {
  if (typeof a === "number") return { ok: (n) => n === a, text: `${a} input${a === 1 ? "" : "s"}` };
  if (a === "variadic") return { ok: (n) => n >= 1, text: "at least 1 input" };
  return { ok: (n) => n >= a.min && n <= a.max, text: `${a.min} to ${a.max} inputs` };
}

/** A `shareWeights` as written, resolved after every node is checked. */
export interface ShareRequest {
  node: number;
  ref: unknown;
  path: SpecPath;
}

/**
 * Checks a node's kind (against `op:` or `merge:` as written), params and arity, filling in its kind,
 * def and parsed params and clearing `ok` on failure. Returns its `shareWeights`, if it has one.
 */
export function checkNode(
  n: CheckedNode,
  fallout: ExpansionFallout,
  report: Report,
): { share: unknown } | undefined {
  const f = n.flat;
  const subject = subjectOf(f);
  const field = f.category === "merge" ? "merge" : "op";
  const want = f.category === "merge" ? "merge" : "primitive";
  if (!isOpKind(f.kind) || opDef(f.kind).category !== want) {
    n.ok = false;
    const own = kindsOf(want);
    if (isOpKind(f.kind)) {
      const other = field === "op" ? "merge" : "op";
      report(
        issue(
          "unknown_op",
          [...f.path, field],
          `${subject}: "${f.kind}" is a ${other === "merge" ? "merge" : "primitive op"}; write ${other}: ${f.kind}`,
          {
            nodeId: f.id,
            expected: `${field}: one of ${own.join(", ")}`,
            received: `${field}: ${f.kind}`,
            hint: `${other}: ${f.kind}`,
          },
        ),
      );
    } else {
      const close = didYouMean(f.kind, own);
      const elsewhere = close
        ? undefined
        : didYouMean(f.kind, kindsOf(want === "merge" ? "primitive" : "merge"));
      report(
        issue(
          "unknown_op",
          [...f.path, field],
          `${subject}: unknown ${field === "merge" ? "merge" : "op"} kind "${f.kind}".${
            close
              ? ` Did you mean "${close}"?`
              : elsewhere
                ? ` Did you mean ${field === "op" ? "merge" : "op"}: ${elsewhere}?`
                : ""
          }`,
          {
            nodeId: f.id,
            expected: `one of ${own.join(", ")}`,
            received: f.kind,
            hint: `${field} kinds: ${own.join(", ")}`,
          },
        ),
      );
    }
    return undefined;
  }
  n.kind = f.kind;
  const def = opDef(f.kind);
  n.def = def;
  const own = ownParams(f.params);
  const parsed = def.params.safeParse(own.params, { reportInput: true });
  if (parsed.success) n.params = parsed.data;
  else {
    n.ok = false;
    const keys = [...paramKeys(def.params), ...STRUCTURAL_KEYS];
    fromZodIssues(parsed.error.issues, {
      base: f.path,
      code: "invalid_params",
      nodeId: f.id,
      subject: kindSubjectOf(f),
      knownKeys: (p) => (p.length === 0 ? keys : []),
    })
      .filter((i) => !fallout.covers(f.path, i.path))
      .forEach(report);
  }
  const arity = arityText(def.arity);
  if (!arity.ok(f.inputs.length)) {
    n.ok = false;
    report(
      issue(
        "invalid_spec",
        [...f.path, f.inputs.length === 1 ? "input" : "inputs"],
        `${kindSubjectOf(f)} takes ${arity.text}, received ${f.inputs.length}`,
        {
          nodeId: f.id,
          expected: arity.text,
          received: String(f.inputs.length),
          ...(f.inputs.length === 0
            ? { hint: "give its input with input: <id> or inputs: [<id>, ...]" }
            : {}),
        },
      ),
    );
  }
  return own.share === undefined ? undefined : { share: own.share };
}
