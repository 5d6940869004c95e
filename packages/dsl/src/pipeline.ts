// The spec pipeline's public API: text or object -> validated, shape-inferred, costed Graph.
export { type GraphCost, graphCost, type NodeCost, type ParamCount } from "./costs/cost.js";
export { type ParsedSpec, type ParseOptions, parseSpec } from "./document/parse-spec.js";
export {
  LIMIT_CEILINGS,
  LIMIT_NAMES,
  LIMITS,
  type LimitName,
  type Limits,
  LimitsError,
  limitProblem,
  resolveLimits,
} from "./limits.js";
export { loadGraph } from "./load.js";
export { specJsonSchema } from "./schema/json-schema.js";
export type { Locator, Position } from "./text/locate.js";
export { detectFormat, type SpecFormat } from "./text/parse.js";
export { validateSpec } from "./validate.js";
