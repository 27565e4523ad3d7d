// One cold measurement in a fresh process, forked by run.mjs: `node cold-build.mjs <json|router|blocks>`.
// Modules are imported and the fixture is read before the clock starts; what is timed is the
// first time this process turns the bytes into something it can send. Reports over IPC.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { coldFirstListMs, FIXTURE, MODES, median, PKG_URL, PROVIDER } from './common.mjs';

const mode = process.argv[2];
const bytes = readFileSync(FIXTURE);
const filter = Object.freeze({ provider: PROVIDER, modes: MODES, includeDeprecated: false });
let result;

if (mode === 'json') {
  // The reference: the least any design must do with these bytes.
  const t0 = performance.now();
  const doc = JSON.parse(bytes.toString('utf8'));
  result = { ms: performance.now() - t0, keys: Object.keys(doc).length };
} else if (mode === 'router') {
  // The figure: bytes (a file source) to the first list body, through the router's own path.
  result = await coldFirstListMs(FIXTURE);
} else if (mode === 'blocks') {
  // The same work split into the package's public building blocks, cold and then warm.
  const { parseDocument, selectModels } = await import(PKG_URL);
  const once = () => {
    const t0 = performance.now();
    const models = parseDocument(bytes, FIXTURE);
    // A parsed set builds each provider's cards when first asked for them; this block times
    // the whole set, what a cold start builds in the background after its first answer.
    void models.cards;
    const t1 = performance.now();
    const cards = selectModels(models, filter, Date.now());
    const t2 = performance.now();
    const body = Buffer.from(JSON.stringify({ object: 'list', data: cards }), 'utf8');
    createHash('sha1').update(body).digest('base64url');
    const t3 = performance.now();
    return { parse: t1 - t0, select: t2 - t1, serialise: t3 - t2, total: t3 - t0 };
  };
  const cold = once();
  const warm = [];
  const warmJson = [];
  for (let i = 0; i < 7; i++) {
    warm.push(once().total);
    const t0 = performance.now();
    JSON.parse(bytes.toString('utf8'));
    warmJson.push(performance.now() - t0);
  }
  result = { ...cold, warmTotal: median(warm), warmJson: median(warmJson) };
} else {
  throw new Error(`unknown mode ${mode}`);
}

process.send(result, () => process.exit(0));
