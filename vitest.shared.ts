// Tests run against source, not dist: the "@fusegraph/source" export condition points each
// workspace package at its src/index.ts, so `npm test` needs no build first.
export const sourceConditions = ["@fusegraph/source", "node", "import", "module", "default"];

export const sharedProjectConfig = {
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions, externalConditions: sourceConditions } },
};
