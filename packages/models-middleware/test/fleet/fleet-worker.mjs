// One process of a fleet: a models router over a catalog whose store is Keyv on @keyv/redis, as a
// deployment would run it, through the built package. It reports the package's diagnostics events
// to the test over IPC and answers HTTP on 127.0.0.1:0.
import diagnosticsChannel from 'node:diagnostics_channel';
import KeyvRedis from '@keyv/redis';
import express from 'express';
import { Keyv } from 'keyv';
import { createCatalog, MODELS_CHANNELS, modelsRouter } from '../../dist/index.js';

const options = JSON.parse(process.argv[2] ?? '{}');
const { redisUrl, namespace, ...catalogOptions } = options;
const keyv = new Keyv(new KeyvRedis(redisUrl), namespace === undefined ? {} : { namespace });
const catalog = createCatalog({ ...catalogOptions, store: keyv, snapshot: false, minModels: 0 });
const router = modelsRouter({ catalog, provider: 'openai', codex: { cacheFile: false } });

const send = (message) => {
  if (process.connected) process.send(message);
};
const forward = {
  refreshStart: () => ({}),
  refreshFinish: (event) => ({ notModified: event.notModified, changed: event.changed }),
  refreshFail: (event) => ({ error: event.error.message }),
  storeDegraded: (event) => ({ operation: event.operation, error: event.error.message }),
  storeRecovered: () => ({}),
  storeAdopt: (event) => ({ version: event.version, via: event.via, changed: event.changed }),
};
for (const [name, pick] of Object.entries(forward)) {
  diagnosticsChannel.subscribe(MODELS_CHANNELS[name], (event) =>
    send({ type: 'event', name, at: Date.now(), ...pick(event) }),
  );
}

const app = express();
app.use('/v1', router);
app.get('/status', (_req, res) => {
  res.json(catalog.status());
});
const server = app.listen(0, '127.0.0.1', () => {
  send({ type: 'ready', port: server.address().port });
});

process.on('message', async (message) => {
  if (message?.type !== 'close') return;
  server.close();
  await router.close();
  await catalog.close();
  await keyv.disconnect().catch(() => {});
  send({ type: 'closed' });
  process.disconnect();
});
