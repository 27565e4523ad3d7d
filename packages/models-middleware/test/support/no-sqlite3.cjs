// Preloaded with `--require`: makes sqlite3 fail to load as it does when its native build was
// skipped (pnpm 10's "Ignored build scripts", `npm --ignore-scripts`).
const Module = require('node:module');
const load = Module._load;
Module._load = function loadWithoutSqlite3(request, ...rest) {
  if (request === 'sqlite3') {
    throw new Error('Could not locate the bindings file. Tried:\n → /x/build/node_sqlite3.node');
  }
  return load.call(this, request, ...rest);
};
