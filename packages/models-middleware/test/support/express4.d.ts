// Express 4 is installed under the alias `express4` to run the same suites against it. Its API
// as used by the tests (app.use, app.get, listen) matches Express 5's types.
declare module 'express4' {
  import express from 'express';
  export default express;
}
