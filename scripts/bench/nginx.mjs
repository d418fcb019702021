// nginx as a second yardstick, when it is installed: the same two routes as the minimal proxy,
// keep-alive to the upstream, the Authorization header set, no buffering (SSE passes at once).
// One process (master_process off), so /proc gives its CPU and memory as for the others.
import { spawn, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import path from 'node:path'

/** The nginx binary on PATH (or in /usr/sbin), or undefined. */
export function findNginx() {
  for (const candidate of ['nginx', '/usr/sbin/nginx']) {
    const probe = spawnSync(candidate, ['-v'], { stdio: 'ignore' })
    if (!probe.error && probe.status === 0) return candidate
  }
  return undefined
}

/** What `nginx -v` says it is, e.g. "nginx/1.22.1" (it prints that on stderr). */
export function nginxVersion(binary) {
  const probe = spawnSync(binary, ['-v'], { encoding: 'utf8' })
  return (
    `${probe.stderr ?? ''}${probe.stdout ?? ''}`.replace(/^nginx version:\s*/, '').trim() || binary
  )
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
    server.once('error', reject)
  })
}

function config(dir, port, upstream, authorization) {
  const location = (from, to) => `
    location = ${from} {
      proxy_pass http://up${to};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "${authorization}";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 1h;
    }`
  return `daemon off;
master_process off;
worker_processes 1;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'nginx-error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream up { server ${upstream.host}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 1000000;${location('/mcp/bench', '/mcp')}${location('/mcp/bench-sse', '/mcp-sse')}
  }
}
`
}

/** Starts nginx in front of `origin`; resolves with { child, url } once it accepts connections. */
export async function startNginx(binary, dir, origin, authorization, track) {
  const port = await freePort()
  const file = path.join(dir, 'nginx.conf')
  writeFileSync(file, config(dir, port, new URL(origin), authorization))
  const child = track(
    spawn(binary, ['-p', dir, '-c', file, '-e', path.join(dir, 'nginx-error.log')], {
      stdio: 'ignore',
    }),
  )
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`nginx exited (${child.exitCode}); see ${path.join(dir, 'nginx-error.log')}`)
    const open = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return { child, url: `http://127.0.0.1:${port}` }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('nginx did not accept connections within 10 s')
}
