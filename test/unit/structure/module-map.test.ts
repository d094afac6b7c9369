/**
 * Holds the module map of docs/design.md against the code: every relative import of a source
 * file must land in its own room or in a room the map lets it import, and there is no import
 * cycle between files. A new arrow is a decision: add it to the map and to docs/design.md.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..', '..', '..')

const RUNTIME_BASE = ['contract', 'runtime/api', 'runtime/kafka', 'runtime/storage', 'runtime/time']
/** What a slot may import; the worker, which runs slots, may import those rooms and the slot's. */
const SLOT_ROOMS = [
  ...RUNTIME_BASE,
  'runtime/state',
  'runtime/sink',
  'runtime/source',
  'runtime/task',
  'runtime/checkpoint',
  'runtime/recovery',
]
/** Each room and the rooms it may import (its own room always). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  contract: [],
  'runtime/api': ['contract'],
  'runtime/kafka': ['contract'],
  'runtime/storage': [],
  'runtime/time': [],
  'runtime/state': ['runtime/api', 'runtime/time', 'contract'],
  'runtime/sink': ['runtime/kafka'],
  'runtime/source': ['runtime/kafka', 'contract'],
  'runtime/task': ['runtime/api', 'runtime/kafka', 'runtime/sink', 'runtime/state', 'runtime/time', 'contract'],
  'runtime/checkpoint': ['runtime/api', 'runtime/kafka', 'runtime/state', 'runtime/storage'],
  'runtime/recovery': [
    'runtime/checkpoint',
    'runtime/kafka',
    'runtime/sink',
    'runtime/source',
    'runtime/state',
    'runtime/storage',
  ],
  'runtime/slot': SLOT_ROOMS,
  // The in-memory harness runs jobs through the worker's own Task, state and codec.
  'runtime/testing': ['runtime/api', 'runtime/kafka', 'runtime/sink', 'runtime/state', 'runtime/task'],
  'runtime/worker': [...SLOT_ROOMS, 'runtime/slot'],
  'operator/api': ['contract'],
  'operator/model': ['operator/api', 'contract'],
  'operator/reconcile': ['operator/api', 'operator/model', 'contract'],
  'operator/kube': ['operator/api', 'operator/model', 'operator/leaves'],
  'operator/controller': [
    'operator/api',
    'operator/model',
    'operator/reconcile',
    'operator/kube',
    'operator/leaves',
    'contract',
  ],
  'operator/leaves': ['contract'],
}

/** The room of a repository path, or undefined for rooms the map leaves free (cli, main, stack, test, bench). */
function roomOf(path: string): string | undefined {
  if (path.startsWith('contract/')) return 'contract'
  if (path.startsWith('runtime/kafka/')) return 'runtime/kafka'
  const [top, second] = path.split('/')
  if (top === 'runtime' && second && second !== 'cli') return `runtime/${second}`
  if (top === 'operator') {
    // Shells: wiring of the operator process and of the chart's CRD upgrade hook.
    if (path === 'operator/main.ts' || path === 'operator/crd-apply.ts') return undefined
    return second?.endsWith('.ts') ? 'operator/leaves' : `operator/${second}`
  }
  return undefined
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(join(ROOT, dir))) {
    const path = `${dir}/${entry}`
    if (statSync(join(ROOT, path)).isDirectory()) sourceFiles(path, out)
    else if (path.endsWith('.ts')) out.push(path)
  }
  return out
}

function importsOf(path: string): string[] {
  const text = readFileSync(join(ROOT, path), 'utf8')
  const found = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.\.?\/[^']+)'/g)].map((m) => m[1]!)
  return found.map((spec) => relative(ROOT, resolve(ROOT, dirname(path), spec)))
}

const files = ['contract', 'runtime', 'operator'].flatMap((dir) => sourceFiles(dir))

describe('the module map', () => {
  it('every import of contract/, runtime/ and operator/ stays in its room or goes where the map allows', () => {
    const wrong: string[] = []
    for (const file of files) {
      const from = roomOf(file)
      if (!from) continue
      for (const target of importsOf(file)) {
        const to = roomOf(target)
        if (to === from) continue
        if (!to || !MAY_IMPORT[from]!.includes(to)) wrong.push(`${file} -> ${target}`)
      }
    }
    expect(wrong).toEqual([])
  })

  it('has no import cycle between files', () => {
    const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => t.endsWith('.ts'))]))
    const state = new Map<string, 'visiting' | 'done'>()
    const cycles: string[] = []
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '))
        return
      }
      state.set(file, 'visiting')
      for (const next of graph.get(file) ?? []) visit(next, [...path, file])
      state.set(file, 'done')
    }
    for (const file of files) visit(file, [])
    expect(cycles).toEqual([])
  })

  it('docs/design.md names every room of the map', () => {
    const design = readFileSync(join(ROOT, 'docs', 'design.md'), 'utf8')
    const missing = Object.keys(MAY_IMPORT)
      .map((room) => (room === 'operator/leaves' ? 'operator/` (files)' : `${room}/\``))
      .filter((name) => !design.includes(`\`${name}`))
    expect(missing).toEqual([])
  })
})
