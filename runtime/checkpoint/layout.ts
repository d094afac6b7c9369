/**
 * Every S3 key of a job's checkpoint storage, built and parsed in one place (DESIGN section 6).
 * Pure.
 *
 *   <prefix>/<namespace>/<job>/[<uid>/]                            the job directory
 *     g<generation>/s<slot>/head.json                               the slot head (moved by CAS)
 *     g<generation>/s<slot>/chk-<id>-a<attempt>/manifest.json       written once
 *     g<generation>/s<slot>/chk-<id>-a<attempt>/task-<partition>.snap
 *     restore-points/g<generation>.json                             where generation g starts from
 *     savepoints/<name>/manifest.json, savepoints/<name>/task-<partition>[-d<i>].snap   copies: self-contained
 *     savepoints/<name>/slot-<s>.json                  a running savepoint's part of slot s
 *
 * Why the attempt is part of a checkpoint's directory: after a crash between writing manifest k
 * and moving the head to k, the next attempt restores k-1 and takes checkpoint k again. With
 * `chk-<id>/` alone it could not write its manifest (manifests are write-once), and a zombie of
 * the dead attempt still uploading snapshots of k would overwrite the new attempt's. The head
 * names both the id and the attempt that wrote it.
 *
 * The StreamJob's uid is a directory level of its own for jobs the operator started since it
 * learned to (status.storagePath says which): a job deleted and created again under the same
 * name is another object with another uid, and must not meet the closed heads, manifests and
 * savepoints the first one left (a restore from them is an explicit `restoreFrom`). Jobs
 * started before keep the directory without it.
 *
 * Ids are zero-padded to ten digits so that a listing is in checkpoint order. An empty prefix
 * gives keys without a leading slash; a prefix's leading and trailing slashes are dropped.
 */

export interface JobName {
  namespace: string
  name: string
  /** The StreamJob's uid as a directory level (see above); absent for jobs started without one. */
  incarnation?: string | undefined
}

/** The JobName of a job's storage: with its uid as a directory level or, for older jobs, without. */
export function storageJobName(job: { namespace: string; name: string; uid: string }, uidDirectory: boolean): JobName {
  return uidDirectory
    ? { namespace: job.namespace, name: job.name, incarnation: job.uid }
    : { namespace: job.namespace, name: job.name }
}

/** One stored checkpoint of a slot: its id and the attempt that wrote it. */
export interface CheckpointRef {
  checkpointId: number
  attempt: number
}

export type ParsedCheckpointKey =
  | { kind: 'head'; generation: number; slot: number }
  | ({ kind: 'manifest'; generation: number; slot: number } & CheckpointRef)
  | ({ kind: 'snapshot'; generation: number; slot: number; partition: number } & CheckpointRef)
  | { kind: 'restorePoint'; generation: number }
  | { kind: 'restorePointSnapshot'; generation: number; partition: number }
  | { kind: 'savepoint'; name: string }

export interface CheckpointLayout {
  /** `<prefix>/<namespace>/<job>/[<uid>/]`: everything of the job, for listing. */
  readonly jobDir: string
  slotDir(generation: number, slot: number): string
  head(generation: number, slot: number): string
  checkpointDir(generation: number, slot: number, ref: CheckpointRef): string
  manifest(generation: number, slot: number, ref: CheckpointRef): string
  snapshot(generation: number, slot: number, ref: CheckpointRef, partition: number): string
  readonly restorePointsDir: string
  restorePoint(generation: number): string
  /** Empty state for a task that never checkpointed before a restore point (written by `exactly recover`). */
  restorePointSnapshot(generation: number, partition: number): string
  /** The `index`-th delta of a task's chain, copied from a savepoint into a restore point. */
  restorePointDelta(generation: number, partition: number, index: number): string
  readonly savepointsDir: string
  savepointDir(name: string): string
  savepointManifest(name: string): string
  savepointSnapshot(name: string, partition: number): string
  /** The `index`-th delta of a task's chain, copied into a savepoint. */
  savepointDelta(name: string, partition: number, index: number): string
  /** One slot's tasks of a savepoint taken while running, until slot 0 writes the manifest from them. */
  savepointPart(name: string, slot: number): string
  /** What a key of this job names (head, manifest, snapshot, restore point, savepoint object); undefined for other keys. */
  parse(key: string): ParsedCheckpointKey | undefined
}

const ID_DIGITS = 10
const SLOT_KEY = /^g(\d+)\/s(\d+)\/(?:head\.json|chk-(\d+)-a(\d+)\/(?:manifest\.json|task-(\d+)\.snap))$/
const RESTORE_POINT_KEY = /^restore-points\/g(\d+)\.json$/
const RESTORE_POINT_SNAPSHOT_KEY = /^restore-points\/g(\d+)\/task-(\d+)(?:-d\d+)?\.snap$/
const SAVEPOINT_KEY = /^savepoints\/([A-Za-z0-9._-]+)\//
const SEGMENT = /^[A-Za-z0-9._-]+$/

export function checkpointLayout(prefix: string, job: JobName): CheckpointLayout {
  const root = prefix.replace(/^\/+|\/+$/g, '')
  const incarnation = job.incarnation === undefined ? '' : `${segment('job uid', job.incarnation)}/`
  return checkpointLayoutAt(
    `${root === '' ? '' : `${root}/`}${segment('namespace', job.namespace)}/${segment('job name', job.name)}/${incarnation}`,
  )
}

/** The layout of the job whose directory is `jobDir` (ends with '/'), as status.storagePath names it. */
export function checkpointLayoutAt(jobDir: string): CheckpointLayout {
  if (!jobDir.endsWith('/') || jobDir.startsWith('/')) {
    throw new TypeError(
      `Cannot build checkpoint keys: the job directory "${jobDir}" must end with / and not start with it`,
    )
  }
  const slotDir = (generation: number, slot: number) =>
    `${jobDir}g${integer('generation', generation, 1)}/s${integer('slot', slot, 0)}/`
  const checkpointDir = (generation: number, slot: number, ref: CheckpointRef) => {
    const id = String(integer('checkpoint id', ref.checkpointId, 0)).padStart(ID_DIGITS, '0')
    return `${slotDir(generation, slot)}chk-${id}-a${integer('attempt', ref.attempt, 1)}/`
  }
  const savepointDir = (name: string) => `${jobDir}savepoints/${segment('savepoint name', name)}/`
  return {
    jobDir,
    slotDir,
    head: (generation, slot) => `${slotDir(generation, slot)}head.json`,
    checkpointDir,
    manifest: (generation, slot, ref) => `${checkpointDir(generation, slot, ref)}manifest.json`,
    snapshot: (generation, slot, ref, partition) =>
      `${checkpointDir(generation, slot, ref)}task-${integer('partition', partition, 0)}.snap`,
    restorePointsDir: `${jobDir}restore-points/`,
    restorePoint: (generation) => `${jobDir}restore-points/g${integer('generation', generation, 1)}.json`,
    restorePointSnapshot: (generation, partition) =>
      `${jobDir}restore-points/g${integer('generation', generation, 1)}/task-${integer('partition', partition, 0)}.snap`,
    restorePointDelta: (generation, partition, index) =>
      `${jobDir}restore-points/g${integer('generation', generation, 1)}/task-${integer('partition', partition, 0)}-d${integer('delta index', index, 0)}.snap`,
    savepointsDir: `${jobDir}savepoints/`,
    savepointDir,
    savepointManifest: (name) => `${savepointDir(name)}manifest.json`,
    savepointSnapshot: (name, partition) => `${savepointDir(name)}task-${integer('partition', partition, 0)}.snap`,
    savepointDelta: (name, partition, index) =>
      `${savepointDir(name)}task-${integer('partition', partition, 0)}-d${integer('delta index', index, 0)}.snap`,
    savepointPart: (name, slot) => `${savepointDir(name)}slot-${integer('slot', slot, 0)}.json`,
    parse: (key) => parseSlotKey(key, jobDir),
  }
}

function parseSlotKey(key: string, jobDir: string): ParsedCheckpointKey | undefined {
  if (!key.startsWith(jobDir)) return undefined
  const rest = key.slice(jobDir.length)
  const point = RESTORE_POINT_KEY.exec(rest)
  if (point) return { kind: 'restorePoint', generation: Number(point[1]) }
  const pointSnapshot = RESTORE_POINT_SNAPSHOT_KEY.exec(rest)
  if (pointSnapshot) {
    return { kind: 'restorePointSnapshot', generation: Number(pointSnapshot[1]), partition: Number(pointSnapshot[2]) }
  }
  const savepoint = SAVEPOINT_KEY.exec(rest)
  if (savepoint) return { kind: 'savepoint', name: savepoint[1]! }
  const match = SLOT_KEY.exec(rest)
  if (!match) return undefined
  const generation = Number(match[1])
  const slot = Number(match[2])
  if (match[3] === undefined) return { kind: 'head', generation, slot }
  const ref = { checkpointId: Number(match[3]), attempt: Number(match[4]) }
  if (match[5] === undefined) return { kind: 'manifest', generation, slot, ...ref }
  return { kind: 'snapshot', generation, slot, partition: Number(match[5]), ...ref }
}

function segment(what: string, value: string): string {
  if (!SEGMENT.test(value) || value === '.' || value === '..') {
    throw new TypeError(
      `Cannot build a checkpoint key: ${what} ${JSON.stringify(value)} must be letters, digits, . _ -`,
    )
  }
  return value
}

function integer(what: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`Cannot build a checkpoint key: ${what} must be an integer >= ${min}, got ${value}`)
  }
  return value
}
