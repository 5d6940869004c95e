export { OnnxExportError, type OnnxExportErrorCode } from "./errors.js";
export {
  BATCH_DIM,
  DEFAULT_OPSET,
  type ExportOnnxOptions,
  exportOnnx,
  onnxModel,
  SUPPORTED_OPSETS,
} from "./export.js";
export type {
  AttributeValue,
  DataTypeCode,
  Dim,
  GraphProto,
  ModelProto,
  NodeProto,
  TensorProto,
  ValueInfoProto,
} from "./onnx-proto.js";
