/**
 * `exactly checkpoints delete-savepoint NAME`: disposes of a savepoint on request (savepoints are
 * self-contained, so nothing else in storage names its objects, and a job that started from it
 * restores from its own copy). The operator's history limit (spec.savepointHistory) disposes of
 * the oldest on its own; this is for one a person no longer wants. status.savepoints still lists
 * it until it falls out of that history.
 */
import { parseArgs } from 'node:util'
import { checkpointTarget, TARGET_OPTIONS, UsageError } from './checkpoint-target.ts'

export async function runDeleteSavepoint(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: TARGET_OPTIONS, allowPositionals: true })
  const [name, ...extra] = positionals
  if (!name || extra.length > 0) throw new UsageError('Cannot delete a savepoint: name exactly one, e.g. sp-g3-nightly')
  const { store, layout } = checkpointTarget(values, env, `delete savepoint ${name}`)
  const keys = await store.list(layout.savepointDir(name))
  if (keys.length === 0) {
    throw new UsageError(`Cannot delete savepoint ${name}: nothing is stored under ${layout.savepointDir(name)}`)
  }
  // The manifest last: a savepoint cut short by a failure is still refused at restore as incomplete.
  await store.delete(keys.filter((k) => !k.endsWith('/manifest.json')))
  await store.delete(keys.filter((k) => k.endsWith('/manifest.json')))
  process.stdout.write(`deleted savepoint ${name}: ${keys.length} object(s) under ${layout.savepointDir(name)}\n`)
}
