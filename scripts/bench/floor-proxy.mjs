#!/usr/bin/env node
// A reference point, not the product: the least a Node proxy hop can do on this machine.
// node:http in front, undici's Agent behind (the bridge's own stack), no checks, no parsing,
// no logging: read the body, send it upstream with the upstream's Authorization, copy status,
// headers and body back. `run.mjs --floor` measures it next to the bridge, so the bridge's
// overhead can be split into "any Node proxy hop costs this here" and "the bridge's own work".
//
//   node scripts/bench/floor-proxy.mjs <upstream origin> <authorization header value>
//   prints "listening on http://127.0.0.1:<port>"; serves /mcp/<name> → <origin>/<name mapped>

import { createServer } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Agent } from 'undici';

const [origin, authorization] = process.argv.slice(2);
if (!origin || !authorization) {
  process.stderr.write('usage: node scripts/bench/floor-proxy.mjs <upstream origin> <authorization>\n');
  process.exit(2);
}
const ROUTES = { '/mcp/bench': '/mcp', '/mcp/bench-sse': '/mcp-sse' };
const FORWARDED = ['accept', 'content-type', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id'];
const DROPPED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'trailer', 'te']);
const agent = new Agent({ keepAliveTimeout: 30_000, bodyTimeout: 0 });

const server = createServer(async (req, res) => {
  try {
    const path = ROUTES[req.url];
    if (!path) {
      req.resume();
      res.writeHead(404).end();
      return;
    }
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const headers = { authorization };
    for (const name of FORWARDED) if (typeof req.headers[name] === 'string') headers[name] = req.headers[name];
    const upstream = await agent.request({ origin, path, method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
    const out = {};
    for (const [name, value] of Object.entries(upstream.headers)) if (!DROPPED.has(name)) out[name] = value;
    res.writeHead(upstream.statusCode, out);
    await pipeline(upstream.body, res);
  } catch {
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  }
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`floor proxy listening on http://127.0.0.1:${server.address().port}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
