// The spec pipeline's public API: text or object -> validated, shape-inferred, costed Graph.
export { type GraphCost, graphCost, type NodeCost, type ParamCount } from "./cost.js";
export { specJsonSchema } from "./json-schema.js";
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
export type { Locator, Position } from "./locate.js";
export { detectFormat, type ParsedSpec, type ParseOptions, parseSpec, type SpecFormat } from "./parse.js";
export { validateSpec } from "./validate.js";
