import { defineProject } from "vitest/config";
import { sharedProjectConfig } from "../../vitest.shared.js";

export default defineProject({
  ...sharedProjectConfig,
  test: { name: "train", include: ["src/**/*.test.ts", "test/**/*.test.ts"], testTimeout: 60_000 },
});
