import { type CompareOptions, runCompare } from "../../commands/compare.js";
import { type EquivalenceOptions, runEquivalence } from "../../commands/equivalence.js";
import { captured } from "../capture.js";

/** Real runs of `fusegraph compare` and `fusegraph equivalence` that readers can repeat. */
export async function checkSection(): Promise<string> {
  const compareArgs: CompareOptions = { merge: "add" };
  const compare = await captured("fusegraph compare unet --merge add", (ctx) =>
    runCompare("unet", compareArgs, ctx),
  );
  const equivalenceArgs: EquivalenceOptions = { merge: "p2", runtime: "cpu" };
  const equivalence = await captured(
    "fusegraph equivalence sample:tiny-fpn-two-ways --merge p2 --runtime cpu",
    (ctx) => runEquivalence("sample:tiny-fpn-two-ways", equivalenceArgs, ctx),
  );
  return [
    "## Check it yourself",
    "",
    "`fusegraph compare` switches merges and prints the costs before and after (`--only` picks merges,",
    "`--json` gives the numbers to scripts):",
    "",
    compare,
    "",
    "`fusegraph equivalence` runs the identity: it rewrites an add read by convs into a concat whose",
    "next kernel is the stacked `[K; K]` and runs both graphs on backend-cpu and backend-tfjs with the",
    "same weights and inputs. The `tiny-fpn-two-ways` sample's `p2` is an add read by one 3x3 conv; the rewrite",
    "stacks that conv's kernel on a copy of itself and leaves the outputs equal up to float32 rounding:",
    "",
    equivalence,
    "",
    "(This run uses tfjs's plain-JS runtime so that the digits above are the same on every machine;",
    "the default, `--runtime wasm`, agrees to the same tolerance.) `fusegraph inspect <spec>` prints",
    "every node's params and MACs, merges marked `merge:<mode>`; `fusegraph graph <spec> --out g.svg`",
    "draws the graph with merges coloured by mode. The [op catalogue](ops.md) lists every merge's",
    "params and weights.",
  ].join("\n");
}
