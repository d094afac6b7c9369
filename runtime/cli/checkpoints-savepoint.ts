/**
 * `exactly checkpoints delete-savepoint NAME`: disposes of a savepoint on request (savepoints are
 * self-contained, so nothing else in storage names its objects, and a job that started from it
 * restores from its own copy). The operator's history limit (spec.savepointHistory) disposes of
 * the oldest on its own; this is for one a person no longer wants. status.savepoints still lists
 * it until it falls out of that history.
 */
import { parseArgs } from 'node:util'
import { deleteSavepoint } from '../checkpoint/collect-garbage.ts'
import { checkpointTarget, TARGET_OPTIONS, UsageError } from './checkpoint-target.ts'

export async function runDeleteSavepoint(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: TARGET_OPTIONS, allowPositionals: true })
  const [name, ...extra] = positionals
  if (!name || extra.length > 0) throw new UsageError('Cannot delete a savepoint: name exactly one, e.g. sp-g3-nightly')
  const { store, layout } = checkpointTarget(values, env, `delete savepoint ${name}`)
  const keys = await deleteSavepoint(store, layout, name)
  if (keys.length === 0) {
    throw new UsageError(`Cannot delete savepoint ${name}: nothing is stored under ${layout.savepointDir(name)}`)
  }
  process.stdout.write(`deleted savepoint ${name}: ${keys.length} object(s) under ${layout.savepointDir(name)}\n`)
}
