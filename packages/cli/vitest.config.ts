import { defineProject } from "vitest/config";
import { sharedProjectConfig } from "../../vitest.shared.js";

export default defineProject({
  ...sharedProjectConfig,
  test: {
    name: "cli",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    // Builds the spawned CLI (and its workspace deps) once per run, only when a source is newer than dist.
    globalSetup: ["test/global-setup.ts"],
  },
});
