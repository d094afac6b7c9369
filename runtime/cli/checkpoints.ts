/**
 * `exactly checkpoints`: what checkpoint storage holds for a job. Without `--checkpoint` it lists
 * every generation's slots (head, checkpoints present) and the restore points; with
 * `--generation G --slot S --checkpoint K` it shows one manifest and, compared with the slot's
 * head, the input range per partition that restoring it would process again (the output of that
 * range was already committed, so it would repeat: DESIGN section 6).
 *
 *   exactly checkpoints (--storage URI | --job NAMESPACE/NAME --bucket B [--prefix P] [--uid U]) [--json]
 *   exactly checkpoints gc … [--dry-run]      (checkpoints-gc.ts)
 *   exactly checkpoints delete-savepoint NAME …  (checkpoints-savepoint.ts)
 */
import { parseArgs } from 'node:util'
import { readHead, readManifest } from '../checkpoint/checkpoint-documents.ts'
import { listCheckpoints } from '../checkpoint/list-checkpoints.ts'
import { checkpointTarget, TARGET_OPTIONS, TARGET_USAGE, UsageError } from './checkpoint-target.ts'

export const CHECKPOINTS_USAGE = `usage: exactly checkpoints ${TARGET_USAGE}
                          [--generation G --slot S --checkpoint K [--attempt A]] [--json]
       exactly checkpoints gc ${TARGET_USAGE} [--dry-run]
       exactly checkpoints delete-savepoint NAME ${TARGET_USAGE}

  lists the job's slots, heads, checkpoints, restore points and savepoints; with --checkpoint,
  shows one manifest and the input that restoring it would process again. gc deletes what closed
  generations left that nothing live names (--dry-run: lists it); delete-savepoint disposes of one
  savepoint. --storage takes the job's
  status.storagePath. Credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
`

export async function runCheckpoints(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  try {
    if (args[0] === 'gc') {
      const { runCheckpointsGc } = await import('./checkpoints-gc.ts')
      await runCheckpointsGc(args.slice(1), env)
      return 0
    }
    if (args[0] === 'delete-savepoint') {
      const { runDeleteSavepoint } = await import('./checkpoints-savepoint.ts')
      await runDeleteSavepoint(args.slice(1), env)
      return 0
    }
    const { values } = parseArgs({
      args,
      options: {
        ...TARGET_OPTIONS,
        generation: { type: 'string' },
        slot: { type: 'string' },
        checkpoint: { type: 'string' },
        attempt: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    })
    const { store, layout } = checkpointTarget(values, env, 'list checkpoints')
    const print = (human: string, data: unknown) =>
      process.stdout.write(values.json ? `${JSON.stringify(data)}\n` : `${human}\n`)

    if (values.checkpoint === undefined) {
      const slots = await listCheckpoints(store, layout)
      const points = (await store.list(layout.restorePointsDir))
        .map((key) => layout.parse(key))
        .flatMap((p) => (p?.kind === 'restorePoint' ? [p.generation] : []))
      const lines = slots.map(({ generation, slot, head, checkpoints }) => {
        const at = head?.checkpointId === null || !head ? 'no checkpoint' : `checkpoint ${head.checkpointId}`
        const owner = head ? `attempt ${head.attempt}` : 'no head'
        const ids = checkpoints.map((c) => `${c.checkpointId}(a${c.attempt})`).join(' ') || '-'
        return `generation ${generation} slot ${slot}: head at ${at}, ${owner}${head && !head.committableDone ? ', commit pending' : ''}; stored: ${ids}`
      })
      if (lines.length === 0) {
        lines.push(
          `no checkpoints under ${layout.jobDir}` +
            (values.storage || values.uid
              ? ''
              : "; jobs the operator started since 0.2 keep theirs under a directory of their uid: pass --storage with the job's status.storagePath, or --uid"),
        )
      }
      for (const g of points) lines.push(`restore point for generation ${g}`)
      const savepoints = [
        ...new Set(
          (await store.list(layout.savepointsDir)).flatMap((key) => {
            const parsed = layout.parse(key)
            return parsed?.kind === 'savepoint' ? [parsed.name] : []
          }),
        ),
      ]
      for (const name of savepoints) lines.push(`savepoint ${name} (${layout.savepointDir(name)})`)
      print(lines.join('\n'), { slots, restorePoints: points, savepoints })
      return 0
    }

    const generation = Number(values.generation)
    const slot = Number(values.slot)
    const checkpointId = Number(values.checkpoint)
    if (![generation, slot, checkpointId].every(Number.isInteger)) {
      throw new UsageError('Cannot inspect a checkpoint: --generation, --slot and --checkpoint must be integers')
    }
    const head = (await readHead(store, layout, generation, slot))?.head
    const attempt =
      values.attempt !== undefined
        ? Number(values.attempt)
        : head?.checkpointId === checkpointId
          ? head.checkpointAttempt
          : (await listCheckpoints(store, layout))
              .find((s) => s.generation === generation && s.slot === slot)
              ?.checkpoints.filter((c) => c.checkpointId === checkpointId)
              .at(-1)?.attempt
    if (!attempt) throw new UsageError(`Cannot inspect checkpoint ${checkpointId}: it is not stored for slot ${slot}`)
    const manifest = await readManifest(store, layout, generation, slot, { checkpointId, attempt })
    if (!manifest) throw new UsageError(`Cannot inspect checkpoint ${checkpointId}: its manifest is missing`)
    const current =
      head?.checkpointId != null && head.checkpointAttempt != null && head.checkpointId !== checkpointId
        ? await readManifest(store, layout, generation, slot, {
            checkpointId: head.checkpointId,
            attempt: head.checkpointAttempt,
          })
        : undefined
    const replay = manifest.tasks.flatMap((task) =>
      Object.entries(task.offsets).map(([topic, from]) => {
        const to = current?.tasks.find((t) => t.partition === task.partition)?.offsets[topic] ?? from
        return { topic, partition: task.partition, from, to }
      }),
    )
    const lines = [
      `checkpoint ${checkpointId} of generation ${generation} slot ${slot} (attempt ${attempt}), taken ${manifest.createdAt}`,
      `transaction: ${manifest.committable ? `${manifest.committable.transactionalId} producer ${manifest.committable.producerId} epoch ${manifest.committable.epoch}` : 'none (nothing written)'}`,
      ...manifest.tasks.map(
        (t) =>
          `  task ${t.partition}: offsets ${JSON.stringify(t.offsets)}, state ${t.snapshot ? `${t.snapshot.bytes} bytes (${t.snapshot.key})` : 'from empty'}${
            t.deltas
              ? ` + ${t.deltas.length} delta${t.deltas.length === 1 ? '' : 's'} of ${t.deltas.reduce((n, d) => n + d.bytes, 0)} bytes (last ${t.deltas.at(-1)?.key})`
              : ''
          }`,
      ),
      current
        ? `restoring it instead of the head (checkpoint ${head?.checkpointId}) would process again, and repeat the output of:`
        : 'it is the head: restoring it repeats nothing',
      ...(current ? replay.map((r) => `  ${r.topic}/${r.partition} offsets [${r.from}, ${r.to})`) : []),
    ]
    print(lines.join('\n'), { manifest, head, replay: current ? replay : [] })
    return 0
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    process.stderr.write(`exactly checkpoints: ${(error as Error).message}\n${usage ? CHECKPOINTS_USAGE : ''}`)
    return usage ? 2 : 1
  }
}
