/**
 * A StreamJob as the operator reads it from the API server: fields with a schema default are
 * never missing there, so they are not optional here. Hand-written beside the schema; the unit
 * test test/unit/operator/api/streamjob-types.test.ts fails when a field, or whether it is
 * optional, differs between the two.
 */
import type { JOB_PHASES } from './streamjob-status-schema.ts'

export type Duration = string
export type Quantity = string | number

export interface LocalObjectReference {
  name: string
}

export interface KeySelector {
  name: string
  key: string
  optional?: boolean
}

export interface EnvVar {
  name: string
  value?: string
  valueFrom?: {
    secretKeyRef?: KeySelector
    configMapKeyRef?: KeySelector
    fieldRef?: { fieldPath: string }
  }
}

export interface Toleration {
  key?: string
  operator?: 'Exists' | 'Equal'
  value?: string
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute'
  tolerationSeconds?: number
}

export interface PodTemplate {
  labels?: Record<string, string>
  annotations?: Record<string, string>
  nodeSelector?: Record<string, string>
  tolerations?: Toleration[]
  serviceAccountName?: string
  env?: EnvVar[]
}

export interface CheckpointStorage {
  /** s3://bucket or s3://bucket/prefix. */
  uri: string
  endpoint?: string
  region: string
  forcePathStyle?: boolean
  credentialsSecretRef?: LocalObjectReference
  /** What deleting the StreamJob does to its storage: delete all but savepoints (default), or keep it all. */
  onJobDelete: 'delete' | 'retain'
}

/** spec.kafka.authentication (operator/api/kafka-security-schema.ts; CEL enforces which fields each type needs). */
export interface KafkaAuthentication {
  type: 'tls' | 'scram-sha-256' | 'scram-sha-512' | 'plain' | 'oauth'
  username?: string
  passwordSecret?: { secretName: string; password: string }
  certificateAndKey?: { secretName: string; certificate: string; key: string }
  accessToken?: { secretName: string; key: string }
  allowPlaintext?: boolean
}

export interface StreamJobSpec {
  image: string
  job: { module: string; config?: Record<string, unknown>; onError: 'fail' | 'dead-letter' }
  parallelism: number
  resources?: { requests?: Record<string, Quantity>; limits?: Record<string, Quantity> }
  podTemplate?: PodTemplate
  kafka: {
    bootstrapServers: string[]
    source: {
      topics: string[]
      startFrom: 'earliest' | 'latest'
      startFromTimestamp?: string
      startFromOffsets?: Array<{ topic: string; partition: number; offset: number }>
    }
    sink: { topic: string; deadLetterTopic?: string; lineageTopic?: string }
    transactionTimeout: Duration
    tls?: { trustedCertificates?: Array<{ secretName: string; certificate: string }> }
    authentication?: KafkaAuthentication
    transactionalIdPrefix?: string
  }
  checkpoint: { interval: Duration; timeout: Duration; retained: number; storage: CheckpointStorage }
  restartPolicy: { maxRestarts: number; resetAfter: Duration; backoff: { initial: Duration; max: Duration } }
  upgradeMode: 'last-state' | 'stateless'
  state: 'running' | 'suspended'
  savepointTrigger?: string
  /** Take a savepoint (while running) this often. */
  savepointInterval?: Duration
  /** How many savepoints status.savepoints (and storage) keep; older ones are deleted as new ones come. */
  savepointHistory: { maxCount: number }
  restoreFrom?: string
}

export type JobPhase = (typeof JOB_PHASES)[number]

/** metav1.Condition. */
export interface Condition {
  type: string
  status: 'True' | 'False' | 'Unknown'
  reason: string
  message: string
  /** RFC 3339. */
  lastTransitionTime: string
  observedGeneration?: number
}

export interface CheckpointSummary {
  id: number
  completedAt: string
  durationMs?: number
  sizeBytes?: number
  stateBytes?: number
}

export interface WorkerSlotStatus {
  slot: number
  pod?: string
  phase?: string
  ready?: boolean
  generation?: number
  attempt?: number
  lastCheckpoint?: CheckpointSummary
  lag?: number
  failures?: number
}

export interface RuntimeLayout {
  generation: number
  parallelism: number
  revision: string
  running: boolean
  restoredFrom?: string
}

export interface LayoutTransition {
  kind: 'upgrade' | 'savepoint' | 'suspend' | 'delete'
  toGeneration: number
  restoreFrom?: string
  stateless?: boolean
  savepoint?: string
  startedAt: string
  stage: 'Stopping' | 'Recovering' | 'Done'
  recoverAttempts?: number
}

/** A savepoint being taken while the job runs (operator/reconcile/running-savepoint.ts). */
export interface RunningSavepointStatus {
  name: string
  trigger?: string
  generation: number
  startedAt: string
  /** Holding: every slot cuts and holds; Writing: released, slot 0 writes it; Abandoned: taken by a stop instead. */
  stage: 'Holding' | 'Writing' | 'Abandoned'
  reason?: string
}

export interface StreamJobStatus {
  observedGeneration?: number
  phase?: JobPhase
  conditions?: Condition[]
  workers?: WorkerSlotStatus[]
  lastCheckpoint?: CheckpointSummary & { slot?: number }
  current?: RuntimeLayout
  transition?: LayoutTransition
  /** Worker slots of the running generation, and their pods' label selector (the scale subresource). */
  replicas?: number
  selector?: string
  /** s3://bucket/prefix/namespace/name/uid/: the job's directory in its checkpoint storage (operator/model/job-storage.ts). */
  storagePath?: string
  restarts?: number
  lastFailure?: { time: string; slot?: number; pod?: string; attempt?: number; reason: string; message?: string }
  savepoints?: Array<{ name: string; trigger?: string; completedAt?: string; uri?: string }>
  runningSavepoint?: RunningSavepointStatus
  /** When the last periodic savepoint (spec.savepointInterval) was started, or the schedule began. */
  periodicSavepointAt?: string
}

export interface StreamJob {
  apiVersion: 'exactly.dev/v1alpha1'
  kind: 'StreamJob'
  metadata: {
    name: string
    namespace: string
    uid?: string
    generation?: number
    resourceVersion?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
    finalizers?: string[]
    deletionTimestamp?: string
  }
  spec: StreamJobSpec
  status?: StreamJobStatus
}
