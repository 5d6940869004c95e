import { defineProject } from "vitest/config";
import { sharedProjectConfig } from "../../vitest.shared.js";

export default defineProject({
  ...sharedProjectConfig,
  test: { name: "fuzz", include: ["src/**/*.test.ts"], testTimeout: 300_000 },
});
