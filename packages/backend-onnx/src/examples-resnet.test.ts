import { listExamples } from "@fusegraph/examples";
import { describeExamples } from "./__fixtures__/examples.js";

describeExamples(
  "ResNets",
  listExamples().filter((e) => e.name.startsWith("resnet")),
);
