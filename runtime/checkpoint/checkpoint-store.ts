/**
 * The slot runner's checkpoint storage over an ObjectStore (DESIGN section 6): the slot head
 * moves only by compare-and-swap, manifests are written once and only after the snapshots they
 * name, and a head whose objects are missing or corrupt is an error, never a reason to fall back
 * to an older checkpoint (that could repeat committed output).
 *
 * Adapter: key names come from layout.ts, documents from manifest.ts, the retention decision
 * from retention.ts. ObjectStore errors (StorageUnavailableError) pass through unchanged: the
 * runner retries them. A failed CAS is re-read before anything is concluded: a newer attempt
 * means SupersededError (this worker is a zombie), our own earlier write whose answer was lost
 * means success, anything else is a CheckpointConflictError.
 */
import { isDeepStrictEqual } from 'node:util'
import type { Logger } from 'pino'
import type { StateValue } from '../api/context.ts'
import { applyChain, type SnapshotChain, type SnapshotRef } from '../state/snapshot-chain.ts'
import { decodeDelta, decodeSnapshot, SnapshotCorruptError, snapshotChecksum } from '../state/snapshot-codec.ts'
import type { TaskSnapshot } from '../state/task-snapshots.ts'
import type { ObjectStore } from '../storage/object-store.ts'
import { readHead, readHeadManifest, readRestorePoint, writeManifest } from './checkpoint-documents.ts'
import { CheckpointConflictError, CheckpointCorruptError } from './checkpoint-errors.ts'
import { collectGarbage } from './collect-garbage.ts'
import { deleteOldCheckpoints } from './delete-old-checkpoints.ts'
import { type CheckpointLayout, checkpointLayout, storageJobName } from './layout.ts'
import {
  CHECKPOINT_FORMAT_VERSION,
  chainFormatVersion,
  decodeHead,
  encodeHead,
  type Head,
  type JobIdentity,
  type Manifest,
} from './manifest.ts'
import {
  type CheckpointToStore,
  type ClaimedHead,
  type SlotStorage,
  type StoredCheckpoint,
  type StoredTask,
  SupersededError,
} from './slot-storage.ts'

export interface CheckpointStoreOptions {
  store: ObjectStore
  prefix: string
  job: JobIdentity
  /** The job's uid is a directory level of its storage (layout.ts). */
  uidDirectory?: boolean
  generation: number
  slot: number
  /** This worker's attempt; unique per process start of the slot, growing. */
  attempt: number
  /** `checkpoint.retained`: complete checkpoints kept, the head included. */
  retained: number
  log?: Logger
  /** Called at the steps of storeCheckpoint where tests crash the worker (failpoints.ts). */
  onStep?: (step: 'after-snapshots' | 'after-manifest', checkpointId: number) => void
  /** ms since the epoch, for manifests' `createdAt`. */
  now?: () => number
}

/** A concurrent claim keeps changing the head; past this many rounds something is wrong. */
const MAX_CLAIM_ROUNDS = 20

export class CheckpointStore implements SlotStorage {
  readonly #o: CheckpointStoreOptions
  readonly #layout: CheckpointLayout
  readonly #headKey: string
  /** The head as this attempt last wrote it, and its etag: the CAS's expected value. */
  #claimed: { head: Head; etag: string } | undefined
  #collectedGarbage = false
  #prefetchedHead: ReturnType<typeof readHead> | undefined

  constructor(options: CheckpointStoreOptions) {
    this.#o = options
    this.#layout = checkpointLayout(options.prefix, storageJobName(options.job, options.uidDirectory ?? false))
    this.#headKey = this.#layout.head(options.generation, options.slot)
  }

  /**
   * Starts reading the head (the S3 client's first request is its slowest) while the caller does
   * something else, such as connecting to Kafka; the first round of claimHead uses it. A head
   * that changes meanwhile fails that round's conditional write, and the next round reads again.
   */
  prefetchHead(): void {
    const { store, generation, slot } = this.#o
    this.#prefetchedHead ??= readHead(store, this.#layout, generation, slot)
    this.#prefetchedHead.catch(() => {})
  }

  async claimHead(pool: readonly string[]): Promise<ClaimedHead> {
    const { store, generation, slot, attempt } = this.#o
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
      const prefetched = round === 0 ? this.#prefetchedHead : undefined
      const current = await (prefetched ?? readHead(store, this.#layout, generation, slot))
      if (current && current.head.attempt > attempt)
        throw this.#superseded(`claim the head of slot ${slot}`, current.head)
      const head: Head = current
        ? { ...current.head, attempt, pool: [...pool] }
        : { formatVersion: CHECKPOINT_FORMAT_VERSION, generation, slot, attempt, pool: [...pool], ...NO_CHECKPOINT }
      const body = encodeHead(head)
      // The manifest the head names is read while the claim is written (a round trip less per
      // restore); it counts only if the claim wins, and its errors only then.
      const manifestRead = readHeadManifest(store, this.#layout, head, this.#o.job.uid)
      manifestRead.catch(() => {})
      const put = current
        ? await store.putIfMatch(this.#headKey, body, current.etag)
        : await store.putIfAbsent(this.#headKey, body)
      if (!put.written) continue // another claim won this round: look again
      this.#claimed = { head, etag: put.etag }
      this.#o.log?.info(
        { attempt, checkpointId: head.checkpointId, from: current?.head.attempt },
        'claimed the slot head',
      )
      const manifest = await manifestRead
      if (!manifest) return { checkpointId: null, committableDone: head.committableDone }
      return {
        checkpointId: manifest.checkpointId,
        tasks: manifest.tasks,
        committable: manifest.committable,
        committableDone: head.committableDone,
      }
    }
    throw new CheckpointConflictError(
      `Cannot claim the head of slot ${slot}: it changed ${MAX_CLAIM_ROUNDS} times while attempt ${attempt} tried; another process keeps writing "${this.#headKey}"`,
    )
  }

  async storeCheckpoint(c: CheckpointToStore): Promise<StoredCheckpoint> {
    const { store, job, generation, slot, attempt } = this.#o
    const action = `store checkpoint ${c.checkpointId} of slot ${slot}`
    const head = this.#requireClaimed(action)
    const ref = { checkpointId: c.checkpointId, attempt }
    const tasks = [...c.snapshots].sort((a, b) => a.partition - b.partition)
    const bytes = tasks.reduce((sum, s) => sum + (s.kind === 'unchanged' ? 0 : s.bytes.length), 0)
    const chains = new Map<number, SnapshotChain>()
    const uploads: Array<{ key: string; bytes: Buffer }> = []
    for (const [i, s] of tasks.entries()) {
      if (tasks[i - 1]?.partition === s.partition)
        throw new TypeError(`Cannot ${action}: task ${s.partition} appears twice`)
      const key = this.#layout.snapshot(generation, slot, ref, s.partition)
      if (s.kind !== 'unchanged') {
        const actual = snapshotChecksum(s.bytes)
        if (actual !== s.checksum) {
          const detail = `the ${s.kind === 'full' ? 'snapshot' : 'delta'} of task ${s.partition} does not match its checksum (expected ${s.checksum}, got ${actual})`
          throw new CheckpointCorruptError(action, key, detail)
        }
        uploads.push({ key, bytes: s.bytes })
      }
      chains.set(s.partition, chainAfter(s, key))
    }
    const stored = tasks.map((s) => {
      const chain = chains.get(s.partition)!
      return {
        partition: s.partition,
        offsets: s.offsets,
        ...(chain.snapshot ? { snapshot: chain.snapshot } : { baseDeltas: chain.baseDeltas ?? 0 }),
        ...(chain.deltas.length > 0 ? { deltas: chain.deltas } : {}),
      }
    })
    if (head.checkpointId === c.checkpointId && head.checkpointAttempt === attempt)
      return { checkpointId: c.checkpointId, bytes, chains, tasks: stored }
    if (head.checkpointId !== null && c.checkpointId <= head.checkpointId) {
      throw new RangeError(`Cannot ${action}: the head is already at checkpoint ${head.checkpointId}`)
    }
    await Promise.all(uploads.map((u) => store.put(u.key, u.bytes)))
    this.#o.onStep?.('after-snapshots', c.checkpointId)
    const manifest: Manifest = {
      formatVersion: chainFormatVersion(stored),
      job: { namespace: job.namespace, name: job.name, uid: job.uid },
      generation,
      slot,
      attempt,
      checkpointId: c.checkpointId,
      createdAt: new Date((this.#o.now ?? Date.now)()).toISOString(),
      tasks: stored,
      committable: c.committable,
      recordsIn: c.recordsIn,
      recordsOut: c.recordsOut,
    }
    await writeManifest(store, this.#layout, manifest)
    this.#o.onStep?.('after-manifest', c.checkpointId)
    const committableDone = c.committable === null
    await this.#moveHead({ ...head, checkpointId: c.checkpointId, checkpointAttempt: attempt, committableDone }, action)
    return { checkpointId: c.checkpointId, bytes, chains, tasks: stored }
  }

  async markCommittableDone(checkpointId: number): Promise<void> {
    const action = `mark the commit of checkpoint ${checkpointId} of slot ${this.#o.slot} done`
    const head = this.#requireClaimed(action)
    if (head.checkpointId !== checkpointId) {
      throw new CheckpointConflictError(`Cannot ${action}: the head names checkpoint ${head.checkpointId}`)
    }
    if (!head.committableDone) await this.#moveHead({ ...head, committableDone: true }, action)
  }

  async assertOwner(): Promise<void> {
    const current = await readHead(this.#o.store, this.#layout, this.#o.generation, this.#o.slot)
    if (current && current.head.attempt > this.#o.attempt) throw this.#superseded('keep running', current.head)
  }

  async readState(stored: Pick<StoredTask, 'snapshot' | 'deltas'>): Promise<Map<string, StateValue>> {
    const { snapshot } = stored
    const deltas = stored.deltas ?? []
    // Fetched together, decoded in order: a chain is a few dozen objects at most.
    const [base, ...bodies] = await Promise.all([
      snapshot ? this.#read(snapshot.key) : undefined,
      ...deltas.map((d) => this.#read(d.key)),
    ])
    const entries = snapshot ? this.#decoded(snapshot.key, () => decodeSnapshot(base!, snapshot.checksum)) : []
    const changes = deltas.map((d, i) => this.#decoded(d.key, () => decodeDelta(bodies[i]!, d.checksum)))
    return applyChain(entries, changes)
  }

  async #read(key: string): Promise<Buffer> {
    const object = await this.#o.store.get(key)
    if (!object) throw new CheckpointCorruptError(`restore ${this.#describe(key)}`, key, `snapshot "${key}" is missing`)
    return object.body
  }

  #decoded<T>(key: string, decode: () => T): T {
    try {
      return decode()
    } catch (error) {
      if (!(error instanceof SnapshotCorruptError)) throw error
      const action = `restore ${this.#describe(key)}`
      throw new CheckpointCorruptError(action, key, `snapshot "${key}" ${error.detail}`, { cause: error })
    }
  }

  async readRestorePoint(): Promise<{ tasks: StoredTask[] } | undefined> {
    const point = await readRestorePoint(this.#o.store, this.#layout, this.#o.generation)
    if (point && point.job.uid !== this.#o.job.uid) {
      const key = this.#layout.restorePoint(this.#o.generation)
      const detail = `it belongs to job uid ${point.job.uid}, not ${this.#o.job.uid} (a deleted StreamJob of the same name)`
      throw new CheckpointCorruptError(`start generation ${this.#o.generation}`, key, detail)
    }
    return point ? { tasks: point.tasks } : undefined
  }

  async applyRetention(): Promise<void> {
    await deleteOldCheckpoints({ ...this.#o, layout: this.#layout })
    // Once this generation has a checkpoint, what older ones left is garbage: slot 0 clears it,
    // once per attempt (collect-garbage.ts keeps whatever this generation's documents name).
    if (this.#o.slot === 0 && !this.#collectedGarbage) {
      this.#collectedGarbage = true
      await collectGarbage({
        store: this.#o.store,
        layout: this.#layout,
        generation: this.#o.generation,
        log: this.#o.log,
      })
    }
  }

  /** CAS from the head this attempt last wrote to `next`. */
  async #moveHead(next: Head, action: string): Promise<void> {
    const expected = this.#claimed!.etag
    const put = await this.#o.store.putIfMatch(this.#headKey, encodeHead(next), expected)
    if (put.written) {
      this.#claimed = { head: next, etag: put.etag }
      return
    }
    const current = await readHead(this.#o.store, this.#layout, this.#o.generation, this.#o.slot)
    if (!current) throw new CheckpointCorruptError(action, this.#headKey, `the head "${this.#headKey}" has disappeared`)
    if (current.head.attempt > this.#o.attempt) throw this.#superseded(action, current.head)
    if (isDeepStrictEqual(current.head, decodeHead(encodeHead(next), this.#headKey))) {
      this.#claimed = current // our own write, whose answer was lost
      return
    }
    throw new CheckpointConflictError(
      `Cannot ${action}: the head changed although no newer attempt claimed it (it names checkpoint ${current.head.checkpointId} of attempt ${current.head.checkpointAttempt}); another process runs as attempt ${this.#o.attempt}`,
    )
  }

  #requireClaimed(action: string): Head {
    if (!this.#claimed) throw new Error(`Cannot ${action}: the head was not claimed (call claimHead first)`)
    return this.#claimed.head
  }

  #superseded(action: string, head: Head): SupersededError {
    return new SupersededError(
      `Cannot ${action}: attempt ${head.attempt} owns the head of slot ${this.#o.slot}; this worker (attempt ${this.#o.attempt}) was replaced and must exit`,
    )
  }

  /** "checkpoint 7 of slot 1", "checkpoint 7 of slot 1 in generation 2", or "snapshot", for messages. */
  #describe(key: string): string {
    const parsed = this.#layout.parse(key)
    if (parsed?.kind !== 'snapshot') return 'snapshot'
    const where = parsed.generation === this.#o.generation ? '' : ` in generation ${parsed.generation}`
    return `checkpoint ${parsed.checkpointId} of slot ${parsed.slot}${where}`
  }
}

/** The task's chain once this checkpoint is stored; `key` is where its snapshot or delta goes (unless unchanged). */
function chainAfter(task: TaskSnapshot, key: string): SnapshotChain {
  if (task.kind === 'unchanged') return task.chain
  const ref: SnapshotRef = { key, checksum: task.checksum, bytes: task.bytes.length }
  if (task.kind === 'full') return { snapshot: ref, deltas: [] }
  if (task.kind === 'delta' && task.rebased) {
    const window = [...task.chain.deltas.slice(task.rebased.windowStart), ref]
    return { deltas: window, baseDeltas: window.length }
  }
  return { ...task.chain, deltas: [...task.chain.deltas, ref] }
}

const NO_CHECKPOINT = { checkpointId: null, checkpointAttempt: null, committableDone: true } as const
