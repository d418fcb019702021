#!/usr/bin/env node
// Summarises a .cpuprofile (from `node scripts/bench/run.mjs --cpu-prof DIR`): the functions
// with the most self time, and the most inclusive time among the project's own code (dist/).
//
//   node scripts/bench/profile-summary.mjs DIR/CPU.….cpuprofile [--top N]

import { readFileSync } from 'node:fs'

process.stdout.on('error', () => process.exit(0)) // e.g. piped into head

const file = process.argv[2]
const topIndex = process.argv.indexOf('--top')
const TOP = topIndex === -1 ? 30 : Number(process.argv[topIndex + 1])
if (!file) {
  process.stderr.write('usage: node scripts/bench/profile-summary.mjs FILE.cpuprofile [--top N]\n')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8'))
const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
const parent = new Map()
for (const node of profile.nodes)
  for (const child of node.children ?? []) parent.set(child, node.id)

// Self time per node from the sample timeline.
const selfUs = new Map()
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0))
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0)
const label = (node) => {
  const { functionName, url, lineNumber } = node.callFrame
  const where = url
    ? `${url.replace(/^.*\/(node_modules|dist)\//, '$1/').replace(/^node:/, 'node:')}:${lineNumber + 1}`
    : ''
  return `${functionName || '(anonymous)'} ${where}`.trim()
}

const selfBy = new Map()
const inclusiveBy = new Map()
for (const [id, us] of selfUs) {
  const own = label(nodes.get(id))
  selfBy.set(own, (selfBy.get(own) ?? 0) + us)
  // Inclusive: every distinct frame on the stack gets the sample once.
  const seen = new Set()
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const name = label(nodes.get(at))
    if (seen.has(name)) continue
    seen.add(name)
    inclusiveBy.set(name, (inclusiveBy.get(name) ?? 0) + us)
  }
}
const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)} %`
const print = (title, map, filter = () => true) => {
  process.stdout.write(`\n${title}\n`)
  for (const [name, us] of [...map]
    .filter(([name]) => filter(name))
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)) {
    process.stdout.write(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}\n`)
  }
}
process.stdout.write(`profile: ${(total / 1e6).toFixed(2)} s sampled\n`)
print('self time', selfBy)
print('inclusive time, project code (dist/)', inclusiveBy, (name) => name.includes('dist/'))
print('inclusive time, everything', inclusiveBy)
