/**
 * Ties the hand-written types to the schema both ways: the path lists below must compile against
 * the types (a listed path the types lack is a type error; a type path left out of the list is
 * `Unlisted`, which must be never), and must equal the schema's paths at runtime. A path segment
 * ends in `?` when it is optional: in the schema neither required nor defaulted.
 */
import { describe, expect, it } from 'vitest'
import type { Schema } from '../../../../operator/api/openapi.ts'
import { specSchema } from '../../../../operator/api/streamjob-spec-schema.ts'
import { JOB_PHASES, statusSchema } from '../../../../operator/api/streamjob-status-schema.ts'
import type { StreamJobSpec, StreamJobStatus } from '../../../../operator/api/streamjob-types.ts'

type Leaf = string | number | boolean
type Segment<T, K extends keyof T & string> = Record<never, never> extends Pick<T, K> ? `${K}?` : K
type Below<P extends string, V> = V extends readonly (infer E)[]
  ? E extends Leaf
    ? never
    : `${P}[].${PathOf<E>}`
  : V extends Leaf
    ? never
    : string extends keyof V
      ? never
      : `${P}.${PathOf<V>}`
type PathOf<T> = {
  [K in keyof T & string]-?: Segment<T, K> | Below<Segment<T, K>, NonNullable<T[K]>>
}[keyof T & string]

const SPEC_PATHS = [
  'image',
  'job',
  'job.module',
  'job.config?',
  'job.onError',
  'parallelism',
  'resources?',
  'resources?.requests?',
  'resources?.limits?',
  'podTemplate?',
  'podTemplate?.labels?',
  'podTemplate?.annotations?',
  'podTemplate?.nodeSelector?',
  'podTemplate?.tolerations?',
  'podTemplate?.tolerations?[].key?',
  'podTemplate?.tolerations?[].operator?',
  'podTemplate?.tolerations?[].value?',
  'podTemplate?.tolerations?[].effect?',
  'podTemplate?.tolerations?[].tolerationSeconds?',
  'podTemplate?.serviceAccountName?',
  'podTemplate?.env?',
  'podTemplate?.env?[].name',
  'podTemplate?.env?[].value?',
  'podTemplate?.env?[].valueFrom?',
  'podTemplate?.env?[].valueFrom?.secretKeyRef?',
  'podTemplate?.env?[].valueFrom?.secretKeyRef?.name',
  'podTemplate?.env?[].valueFrom?.secretKeyRef?.key',
  'podTemplate?.env?[].valueFrom?.secretKeyRef?.optional?',
  'podTemplate?.env?[].valueFrom?.configMapKeyRef?',
  'podTemplate?.env?[].valueFrom?.configMapKeyRef?.name',
  'podTemplate?.env?[].valueFrom?.configMapKeyRef?.key',
  'podTemplate?.env?[].valueFrom?.configMapKeyRef?.optional?',
  'podTemplate?.env?[].valueFrom?.fieldRef?',
  'podTemplate?.env?[].valueFrom?.fieldRef?.fieldPath',
  'kafka',
  'kafka.bootstrapServers',
  'kafka.source',
  'kafka.source.topics',
  'kafka.source.startFrom',
  'kafka.source.startFromTimestamp?',
  'kafka.source.startFromOffsets?',
  'kafka.source.startFromOffsets?[].topic',
  'kafka.source.startFromOffsets?[].partition',
  'kafka.source.startFromOffsets?[].offset',
  'kafka.sink',
  'kafka.sink.topic',
  'kafka.sink.deadLetterTopic?',
  'kafka.sink.lineageTopic?',
  'kafka.transactionTimeout',
  'kafka.tls?',
  'kafka.tls?.trustedCertificates?',
  'kafka.tls?.trustedCertificates?[].secretName',
  'kafka.tls?.trustedCertificates?[].certificate',
  'kafka.authentication?',
  'kafka.authentication?.type',
  'kafka.authentication?.username?',
  'kafka.authentication?.passwordSecret?',
  'kafka.authentication?.passwordSecret?.secretName',
  'kafka.authentication?.passwordSecret?.password',
  'kafka.authentication?.certificateAndKey?',
  'kafka.authentication?.certificateAndKey?.secretName',
  'kafka.authentication?.certificateAndKey?.certificate',
  'kafka.authentication?.certificateAndKey?.key',
  'kafka.authentication?.accessToken?',
  'kafka.authentication?.accessToken?.secretName',
  'kafka.authentication?.accessToken?.key',
  'kafka.authentication?.allowPlaintext?',
  'kafka.transactionalIdPrefix?',
  'checkpoint',
  'checkpoint.interval',
  'checkpoint.timeout',
  'checkpoint.retained',
  'checkpoint.storage',
  'checkpoint.storage.uri',
  'checkpoint.storage.endpoint?',
  'checkpoint.storage.region',
  'checkpoint.storage.forcePathStyle?',
  'checkpoint.storage.credentialsSecretRef?',
  'checkpoint.storage.credentialsSecretRef?.name',
  'checkpoint.storage.onJobDelete',
  'restartPolicy',
  'restartPolicy.maxRestarts',
  'restartPolicy.resetAfter',
  'restartPolicy.backoff',
  'restartPolicy.backoff.initial',
  'restartPolicy.backoff.max',
  'upgradeMode',
  'state',
  'savepointTrigger?',
  'savepointInterval?',
  'savepointHistory',
  'savepointHistory.maxCount',
  'restoreFrom?',
] as const satisfies readonly PathOf<StreamJobSpec>[]

const STATUS_PATHS = [
  'observedGeneration?',
  'phase?',
  'conditions?',
  'conditions?[].type',
  'conditions?[].status',
  'conditions?[].reason',
  'conditions?[].message',
  'conditions?[].lastTransitionTime',
  'conditions?[].observedGeneration?',
  'workers?',
  'workers?[].slot',
  'workers?[].pod?',
  'workers?[].phase?',
  'workers?[].ready?',
  'workers?[].generation?',
  'workers?[].attempt?',
  'workers?[].lastCheckpoint?',
  'workers?[].lastCheckpoint?.id',
  'workers?[].lastCheckpoint?.completedAt',
  'workers?[].lastCheckpoint?.durationMs?',
  'workers?[].lastCheckpoint?.sizeBytes?',
  'workers?[].lastCheckpoint?.stateBytes?',
  'workers?[].lag?',
  'workers?[].failures?',
  'lastCheckpoint?',
  'lastCheckpoint?.slot?',
  'lastCheckpoint?.id',
  'lastCheckpoint?.completedAt',
  'lastCheckpoint?.durationMs?',
  'lastCheckpoint?.sizeBytes?',
  'lastCheckpoint?.stateBytes?',
  'current?',
  'current?.generation',
  'current?.parallelism',
  'current?.revision',
  'current?.running',
  'current?.restoredFrom?',
  'transition?',
  'transition?.kind',
  'transition?.toGeneration',
  'transition?.startedAt',
  'transition?.stage',
  'transition?.restoreFrom?',
  'transition?.stateless?',
  'transition?.savepoint?',
  'transition?.recoverAttempts?',
  'replicas?',
  'selector?',
  'storagePath?',
  'restarts?',
  'lastFailure?',
  'lastFailure?.time',
  'lastFailure?.slot?',
  'lastFailure?.pod?',
  'lastFailure?.attempt?',
  'lastFailure?.reason',
  'lastFailure?.message?',
  'savepoints?',
  'savepoints?[].name',
  'savepoints?[].trigger?',
  'savepoints?[].completedAt?',
  'savepoints?[].uri?',
  'runningSavepoint?',
  'runningSavepoint?.name',
  'runningSavepoint?.trigger?',
  'runningSavepoint?.generation',
  'runningSavepoint?.startedAt',
  'runningSavepoint?.stage',
  'runningSavepoint?.reason?',
  'periodicSavepointAt?',
] as const satisfies readonly PathOf<StreamJobStatus>[]

type Unlisted =
  | Exclude<PathOf<StreamJobSpec>, (typeof SPEC_PATHS)[number]>
  | Exclude<PathOf<StreamJobStatus>, (typeof STATUS_PATHS)[number]>
const everyTypePathIsListed: [Unlisted] extends [never] ? true : Unlisted = true

function schemaPaths(schema: Schema, prefix = ''): string[] {
  const out: string[] = []
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const optional = !schema.required?.includes(name) && child.default === undefined
    const segment = `${prefix}${name}${optional ? '?' : ''}`
    out.push(segment)
    if (child.properties) out.push(...schemaPaths(child, `${segment}.`))
    else if (child.items?.properties) out.push(...schemaPaths(child.items, `${segment}[].`))
  }
  return out
}

function enumAt(schema: Schema, path: string): string[] | undefined {
  let node: Schema | undefined = schema
  for (const name of path.split('.')) node = node?.properties?.[name]
  return node?.enum
}

/** Accepts `values` only when they cover the union T. */
const every =
  <T extends string>() =>
  <const A extends readonly T[]>(values: A & ([T] extends [A[number]] ? unknown : never)): readonly string[] =>
    values

describe('StreamJob types', () => {
  it('name every spec field of the schema, optional exactly where the schema is', () => {
    expect(everyTypePathIsListed).toBe(true)
    expect(schemaPaths(specSchema).sort()).toEqual([...SPEC_PATHS].sort())
  })

  it('name every status field of the schema, optional exactly where the schema is', () => {
    expect(schemaPaths(statusSchema).sort()).toEqual([...STATUS_PATHS].sort())
  })

  it('allow exactly the enum values of the schema', () => {
    type Spec = StreamJobSpec
    expect(enumAt(specSchema, 'job.onError')).toEqual(every<Spec['job']['onError']>()(['fail', 'dead-letter']))
    expect(enumAt(specSchema, 'kafka.source.startFrom')).toEqual(
      every<Spec['kafka']['source']['startFrom']>()(['earliest', 'latest']),
    )
    expect(enumAt(specSchema, 'upgradeMode')).toEqual(every<Spec['upgradeMode']>()(['last-state', 'stateless']))
    expect(enumAt(specSchema, 'state')).toEqual(every<Spec['state']>()(['running', 'suspended']))
    expect(enumAt(statusSchema, 'phase')).toEqual([...JOB_PHASES])
  })
})
