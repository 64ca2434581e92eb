const preset = require('../jest.preset');

const config = preset.projectConfig(__dirname, { integration: false });

// jwks-rsa 4 depends on jose 6, which is ESM-only. Node 24 require()s it natively, but Jest can only
// do so under --experimental-vm-modules, so compile jose to CommonJS with the same SWC transform.
for (const project of config.projects) {
  project.transform = { ...project.transform, '^.+/jose/dist/.+\\.js$': preset.transform['^.+\\.ts$'] };
  project.transformIgnorePatterns = ['/node_modules/(?!(\\.pnpm/jose@[^/]+/node_modules/)?jose/)'];
}

module.exports = config;
