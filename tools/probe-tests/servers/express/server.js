// Express with the `cors` middleware (Debian's node-express and node-cors), in the configurations
// corshdr probe is tested against.
//
//   node server.js CONFIG
//
// Listens on 127.0.0.1 on an ephemeral port and prints {"port": N} as one line on stdout once it
// accepts connections. Exits when stdin closes, so a test that dies never leaves it behind.
'use strict';

const express = require('express');
const cors = require('cors');

const SITE = 'https://app.example.com';

const configs = {
  // origin: true reflects whatever Origin arrives; with credentials, any site reads as the user.
  'reflect-credentials': { origin: true, credentials: true },
  // The middleware's defaults: Access-Control-Allow-Origin: *, and Access-Control-Allow-Headers
  // echoing whatever the preflight asks for.
  defaults: {},
  // A fixed allow-list, compared exactly, with fixed methods and headers: the correct configuration.
  list: {
    origin: [SITE, 'https://admin.example.com'],
    credentials: true,
    methods: ['GET', 'PUT'],
    allowedHeaders: ['Content-Type', 'Authorization'],
    exposedHeaders: ['X-Request-Id'],
    maxAge: 600,
  },
};

const name = process.argv[2];
if (!Object.prototype.hasOwnProperty.call(configs, name)) {
  process.stderr.write(`usage: node server.js ${Object.keys(configs).join('|')}\n`);
  process.exit(2);
}

const app = express();
app.disable('x-powered-by');
app.use(cors(configs[name]));
app.get('/api/data', (req, res) => {
  res.set('X-Request-Id', '42');
  res.json({ config: name });
});

const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
