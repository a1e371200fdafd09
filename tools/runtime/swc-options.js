// How swc compiles our TypeScript, shared by Jest (tests) and register-ts.js (running from source):
// legacy decorators with their metadata, as tsc emits them, so Nest's dependency injection works.
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
