import { afterAll } from "vitest";
import { agreementSuite, opCaseList } from "./__fixtures__/agreement.js";
import { removeTempDirs } from "./__fixtures__/python.js";

agreementSuite(
  "model.py agrees with backend-cpu on every op and merge case",
  opCaseList(),
  "op conv2d/valid",
);

afterAll(removeTempDirs);
