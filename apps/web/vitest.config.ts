import { defineProject } from "vitest/config";
import { sharedProjectConfig } from "../../vitest.shared.js";

export default defineProject({
  ...sharedProjectConfig,
  // NOTE: one file drives one browser through every model on three backends; it needs minutes, not
  // the packages' 60 s per test.
  test: { name: "web", include: ["test/**/*.test.ts"], testTimeout: 300_000, hookTimeout: 600_000 },
});
