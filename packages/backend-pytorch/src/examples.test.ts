import { afterAll } from "vitest";
import { agreementSuite, exampleCaseList } from "./__fixtures__/agreement.js";
import { removeTempDirs } from "./__fixtures__/python.js";

agreementSuite(
  "model.py agrees with backend-cpu on the bundled examples, part 1 (small configuration)",
  exampleCaseList(0),
);

afterAll(removeTempDirs);
