/**
 * Which job's checkpoint storage an `exactly checkpoints` command reads: the directory a
 * StreamJob's status.storagePath names (`--storage s3://bucket/prefix/namespace/name/uid/`), or
 * its parts (`--job NAMESPACE/NAME --bucket B [--prefix P] [--uid UID]`).
 */
import { type CheckpointLayout, checkpointLayout, checkpointLayoutAt } from '../checkpoint/layout.ts'
import type { ObjectStore } from '../storage/object-store.ts'
import { s3StoreFromEnv } from '../storage/s3.ts'

export class UsageError extends Error {
  override name = 'UsageError'
}

export const TARGET_OPTIONS = {
  storage: { type: 'string' },
  job: { type: 'string' },
  bucket: { type: 'string' },
  prefix: { type: 'string', default: '' },
  uid: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string', default: 'us-east-1' },
} as const

export const TARGET_USAGE = `(--storage s3://BUCKET/PREFIX/NAMESPACE/NAME/UID/ | --job NAMESPACE/NAME --bucket BUCKET [--prefix P] [--uid UID])
                          [--endpoint URL] [--region R]`

export interface TargetValues {
  storage?: string | undefined
  job?: string | undefined
  bucket?: string | undefined
  prefix?: string | undefined
  uid?: string | undefined
  endpoint?: string | undefined
  region?: string | undefined
}

export function checkpointTarget(
  values: TargetValues,
  env: NodeJS.ProcessEnv,
  action: string,
): { store: ObjectStore; layout: CheckpointLayout } {
  let bucket: string
  let layout: CheckpointLayout
  if (values.storage) {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(values.storage)
    if (!match) {
      throw new UsageError(`Cannot ${action}: --storage must be s3://bucket/path/ as status.storagePath shows it`)
    }
    bucket = match[1]!
    layout = checkpointLayoutAt(`${match[2]!.replace(/\/+$/, '')}/`)
  } else {
    const [namespace, name] = (values.job ?? '').split('/')
    if (!namespace || !name) throw new UsageError(`Cannot ${action}: give --storage, or --job NAMESPACE/NAME`)
    if (!values.bucket) throw new UsageError(`Cannot ${action}: --bucket is required with --job`)
    bucket = values.bucket
    layout = checkpointLayout(values.prefix ?? '', { namespace, name, incarnation: values.uid })
  }
  const store = s3StoreFromEnv({ bucket, region: values.region ?? 'us-east-1', endpoint: values.endpoint }, env)
  return { store, layout }
}
