import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api.js";
import ElkModule from "elkjs/lib/elk.bundled.js";

const ELK = ElkModule.default;
export const probe = new ELK();
