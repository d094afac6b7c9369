/**
 * `exactly checkpoints gc`: deletes what a job's closed generations left that nothing live names
 * (runtime/checkpoint/collect-garbage.ts), or with --dry-run lists it. The current generation is
 * the newest one storage knows of (a head or a restore point): the running one, or the one a
 * suspended job resumes as. Workers and `exactly recover` do the same on their own; this is for
 * storage written before they did, and for a look before trusting them.
 */
import { parseArgs } from 'node:util'
import { collectGarbage } from '../checkpoint/collect-garbage.ts'
import type { CheckpointLayout } from '../checkpoint/layout.ts'
import { checkpointTarget, TARGET_OPTIONS, UsageError } from './checkpoint-target.ts'

export async function runCheckpointsGc(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ...TARGET_OPTIONS,
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  })
  const { store, layout } = checkpointTarget(values, env, 'collect garbage')
  const keys = await store.list(layout.jobDir)
  const generation = currentGeneration(keys, layout)
  if (generation === undefined)
    throw new UsageError(`Cannot collect garbage: no head or restore point under ${layout.jobDir}`)
  const dryRun = values['dry-run']
  const result = await collectGarbage({ store, layout, generation, dryRun })
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ generation, dryRun, keys: result.keys })}\n`)
    return
  }
  const verb = dryRun ? 'would delete' : 'deleted'
  const lines = [
    `current generation ${generation}: ${verb} ${result.keys.length} object(s) of older generations under ${layout.jobDir}`,
    ...result.keys.map((k) => `  ${k}`),
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}

/** The newest generation with a head or a restore point. */
export function currentGeneration(keys: readonly string[], layout: CheckpointLayout): number | undefined {
  let newest: number | undefined
  for (const key of keys) {
    const parsed = layout.parse(key)
    if (parsed?.kind === 'head' || parsed?.kind === 'restorePoint') newest = Math.max(newest ?? 0, parsed.generation)
  }
  return newest
}
