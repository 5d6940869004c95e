import { analyzeMerges } from "@fusegraph/dsl";
import { code, fenced, shape } from "../markdown.js";
import { example, merge, refusal } from "../merge-facts.js";

/** The LSTM cell state's additive update, and the gate sums as untied concats. */
export function lstmSection(): string {
  const g = example("lstm-cell");
  const analysis = analyzeMerges(g);
  const cell = merge(analysis, "t0/c");
  const gateSums = analysis.filter((m) => m.id.startsWith("t0/") && m.id.endsWith(".sum"));
  return [
    "## LSTM: the additive cell state",
    "",
    "An LSTM's cell state is updated by a sum, `c_t = f ⊙ c_{t-1} + i ⊙ g`; the gradient through the",
    "additive path is scaled by f alone, which is what lets the cell carry information over many steps.",
    `\`lstm-cell\` builds the cell from primitives so that sum is a visible merge (${code(cell.id)}:`,
    `${cell.inputs.map((i) => code(i.id)).join(" + ")}, ${shape(cell.output)}). It cannot become a concat:`,
    "the cell state has one width, and the output gate multiplies it elementwise.",
    "",
    fenced("text", refusal(g, [cell.id], "concat")),
    "",
    `Its ${gateSums.length} gate sums per step (${gateSums.map((m) => code(m.id)).join(", ")}) are the identity read the`,
    "other way: `dense(x, W) + dense(h, U) = dense(concat(x, h), [W; U])`, a concat with untied kernels,",
    "which Keras's LSTM stores as its `kernel` (for x) and `recurrentKernel` (for h).",
  ].join("\n");
}
