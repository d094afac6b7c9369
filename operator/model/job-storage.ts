/**
 * Where a StreamJob's checkpoint storage lives: `<uri>/<namespace>/<name>/<uid>/` for every job
 * this operator starts, so that a job deleted and created again under the same name starts
 * fresh instead of meeting the first one's closed heads (runtime/checkpoint/layout.ts). A job
 * that was already running before status.storagePath existed keeps the directory it has,
 * `<uri>/<namespace>/<name>/`: moving it would lose its checkpoints. status.storagePath records
 * the choice, so it never changes for the life of the job (the storage URI is immutable). Pure.
 */
import type { StreamJob } from '../api/streamjob-types.ts'

export interface JobStorage {
  /** The uid is a directory level (the worker and recover configs' checkpoint.storage.uidDirectory). */
  uidDirectory: boolean
  /** s3://bucket/prefix/namespace/name/[uid/] */
  path: string
}

export function jobStorage(job: StreamJob): JobStorage {
  const uid = job.metadata.uid ?? ''
  const base = `${job.spec.checkpoint.storage.uri.replace(/\/+$/, '')}/${job.metadata.namespace}/${job.metadata.name}/`
  const recorded = job.status?.storagePath
  // Started before the uid directory existed: status has a layout but no path, or a path without the uid.
  const legacy = recorded === undefined ? job.status?.current !== undefined : !recorded.endsWith(`/${uid}/`)
  return legacy || uid === '' ? { uidDirectory: false, path: base } : { uidDirectory: true, path: `${base}${uid}/` }
}
