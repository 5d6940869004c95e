import { defineProject } from "vitest/config";
import { sharedProjectConfig } from "../../vitest.shared.js";

export default defineProject({
  ...sharedProjectConfig,
  test: { name: "bench", include: ["src/**/*.test.ts"], testTimeout: 60_000 },
});
