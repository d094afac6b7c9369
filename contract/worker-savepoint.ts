/**
 * A savepoint taken while the job runs, as the operator and the workers speak of it
 * (docs/checkpoint-protocol.md, "Savepoints while running"):
 *
 *   POST /savepoint/hold?name=N      every worker takes its next checkpoint as its cut, copies
 *                                    it under savepoints/N/ and then holds: it goes on processing
 *                                    but commits nothing past the cut until released;
 *   POST /savepoint/release?name=N&keep=1[&dispose=A,B]
 *                                    once every worker holds at the same moment: checkpoints go
 *                                    on, and slot 0 writes the savepoint's manifest (and deletes
 *                                    the savepoints past the history); keep=0 abandons it
 *                                    (slot 0 deletes only what `dispose` names).
 *
 * Both are signed like a stop request (contract/stop-request.ts), the step and its parameters
 * part of the signed text. Pure: paths, commands and their parsing.
 */
import type { WorkerCommand } from './stop-request.ts'

export type SavepointStep =
  | { step: 'hold'; name: string }
  | { step: 'release'; name: string; keep: boolean; dispose: readonly string[] }

/** Savepoint names: what status.savepoints and the storage layout allow. */
const NAME = /^[A-Za-z0-9._-]{1,128}$/

export function savepointStepCommand(s: SavepointStep): WorkerCommand {
  return s.step === 'hold'
    ? `savepoint-hold ${s.name}`
    : `savepoint-release ${s.name} ${s.keep ? 'keep' : 'drop'} ${s.dispose.join(',')}`
}

export function savepointStepPath(s: SavepointStep): string {
  const query = new URLSearchParams({ name: s.name })
  if (s.step === 'release') {
    query.set('keep', s.keep ? '1' : '0')
    if (s.dispose.length > 0) query.set('dispose', s.dispose.join(','))
  }
  return `/savepoint/${s.step}?${query}`
}

/** The step a request URL asks for, or why it is not one (a sentence naming the parameter). */
export function parseSavepointStep(url: URL): SavepointStep | string {
  const step = url.pathname.slice('/savepoint/'.length)
  const name = url.searchParams.get('name') ?? ''
  if (!NAME.test(name)) return "name must be a savepoint name (1 to 128 letters, digits, '.', '_' or '-')"
  if (step === 'hold') return { step, name }
  if (step !== 'release') return `no savepoint step "${step}"; use /savepoint/hold or /savepoint/release`
  const keep = url.searchParams.get('keep')
  if (keep !== '0' && keep !== '1') return 'keep must be 1 (write the savepoint) or 0 (abandon it)'
  const dispose = (url.searchParams.get('dispose') ?? '').split(',').filter((d) => d !== '')
  const bad = dispose.find((d) => !NAME.test(d))
  if (bad !== undefined) return `dispose names "${bad}", which is not a savepoint name`
  return { step, name, keep: keep === '1', dispose }
}
