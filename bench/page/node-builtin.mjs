// Stand-in for the Node built-ins (fs, os, path, perf_hooks) that tfjs-backend-wasm's ES module imports at the
// top but only uses when it runs under Node. See the import map in index.html.
export default {};
