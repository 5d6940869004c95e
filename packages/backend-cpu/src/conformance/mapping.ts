import { type MapContext, type Mapper, type MapResult, skip } from "./case-mapping.js";
import { convMappers } from "./mappers/conv.js";
import { elementwiseMappers } from "./mappers/elementwise.js";
import { gemmMappers } from "./mappers/gemm.js";
import { lstmMappers } from "./mappers/lstm.js";
import { poolMappers } from "./mappers/pool.js";
import { resizeMappers } from "./mappers/resize.js";

/** ONNX op_type -> its mapping onto fusegraph ops. An op missing here is reported as skipped. */
export const mappers: Readonly<Record<string, Mapper>> = {
  ...elementwiseMappers,
  ...convMappers,
  ...poolMappers,
  ...gemmMappers,
  ...lstmMappers,
  ...resizeMappers,
};

/** Maps one ONNX node onto a fusegraph spec, or says why it cannot. */
export function mapNode(ctx: MapContext): MapResult {
  if (ctx.node.domain !== "" && ctx.node.domain !== "ai.onnx") return skip(`domain ${ctx.node.domain}`);
  const mapper = Object.hasOwn(mappers, ctx.node.opType) ? mappers[ctx.node.opType] : undefined;
  return mapper ? mapper(ctx) : skip(`op ${ctx.node.opType} has no fusegraph mapping`);
}
