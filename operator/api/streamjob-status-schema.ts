/**
 * `status` of a StreamJob (DESIGN section 2), written only by the operator through the status
 * subresource. No preserve-unknown-fields here: a field the operator writes but this schema lacks
 * would be pruned silently, so every field is declared and a drift test ties it to the types.
 */
import { bool, int, list, obj, type Schema, str, timestamp } from './openapi.ts'

export const JOB_PHASES = [
  'Pending',
  'Starting',
  'Running',
  'Recovering',
  'Upgrading',
  'Suspending',
  'Suspended',
  'Failed',
  'Deleting',
] as const

const int64 = (description: string): Schema => int(description, { format: 'int64', minimum: 0 })

/** metav1.Condition, with the bounds controller-gen emits for it. */
const condition = obj(
  "One aspect of the job's state, in the shape of metav1.Condition.",
  {
    type: str(
      'Which aspect: Ready, Progressing, Degraded, CheckpointHealthy, TransactionsClean, ReconciliationPaused.',
      {
        maxLength: 316,
        pattern:
          '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
      },
    ),
    status: str('True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
    reason: str('Why, as one CamelCase word such as CheckpointFailing; stable enough for alerts.', {
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    }),
    message: str('Details for a person.', { maxLength: 32768 }),
    lastTransitionTime: timestamp('When status last changed (not when the condition was last written).'),
    observedGeneration: int64('metadata.generation of the spec this condition was computed from.'),
  },
  { required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'] },
)

const checkpointSummary = (description: string, extra: Record<string, Schema> = {}): Schema =>
  obj(
    description,
    {
      ...extra,
      id: int64('Checkpoint id; ids grow by one per checkpoint of a worker slot.'),
      completedAt: timestamp('When the checkpoint completed: its transaction was committed after this.'),
      durationMs: int64('Milliseconds from the checkpoint barrier to the stored manifest.'),
      sizeBytes: int64(
        'Bytes the checkpoint wrote to storage: full snapshots, or with incremental checkpoints only the changes since the one before.',
      ),
      stateBytes: int64(
        "Bytes of state a restore from this checkpoint reads: each task's last full snapshot and the deltas after it.",
      ),
    },
    { required: ['id', 'completedAt'] },
  )

const worker = obj(
  "One worker slot, as its pod and the worker's /status report it.",
  {
    slot: int('Slot number, 0 to parallelism-1; the slot reads partitions p with p mod parallelism == slot.', {
      minimum: 0,
    }),
    pod: str('Name of the pod running the slot now.'),
    phase: str('Pending (no report yet), Starting, Restoring, Running, Stopping, Stopped, Failed or Unknown.'),
    ready: bool('Whether the worker reports ready: restored and processing.'),
    generation: int64('Layout generation of the worker; a new one starts on every rescale or upgrade.'),
    attempt: int64('Attempt number of the slot within its generation; +1 on every restart.'),
    lastCheckpoint: checkpointSummary('The latest checkpoint this worker completed.'),
    lag: int64(
      "Records behind the last stable offset, summed over the slot's source partitions. A worker reports it once its first fetch has answered; until then the last known figure stays.",
    ),
    failures: int64('Failures of this slot in a row; sets the restart backoff, back to 0 once it checkpoints.'),
  },
  { required: ['slot'] },
)

const layout = obj(
  'The generation of workers that runs now (or ran last): pods and checkpoints are keyed by it.',
  {
    generation: int(
      'Layout generation, 1 for the first; +1 on every rescale, upgrade, savepoint or resume (0: a job that starts from a savepoint, before its first generation).',
      { minimum: 0 },
    ),
    parallelism: int('Worker slots of this generation.', { minimum: 0 }),
    revision: str('Hash of the spec fields this generation was built from; a change starts the next one.'),
    running: bool('False once the generation is closed (suspended, or stopped for a change or a deletion).'),
    restoredFrom: str('The savepoint (spec.restoreFrom) the job last started from, so it is applied once.'),
  },
  { required: ['generation', 'parallelism', 'revision', 'running'] },
)

const transition = obj(
  'A layout change in progress: stop every worker with a final checkpoint, run exactly recover, go on.',
  {
    kind: str(
      'upgrade (spec change or spec.restoreFrom), savepoint (spec.savepointTrigger), suspend (spec.state) or delete (the StreamJob is being deleted).',
      { enum: ['upgrade', 'savepoint', 'suspend', 'delete'] },
    ),
    toGeneration: int('The generation the restore point is written for.', { minimum: 1 }),
    restoreFrom: str('The savepoint the next generation starts from; absent: the last checkpoints.'),
    stateless: bool('The next generation starts with empty state (spec.upgradeMode stateless).'),
    savepoint: str('The name the restore point is also kept under, as a savepoint.'),
    startedAt: timestamp('When the change started.'),
    stage: str('Stopping (final checkpoints), Recovering (the recover pod runs) or Done.', {
      enum: ['Stopping', 'Recovering', 'Done'],
    }),
    recoverAttempts: int64('Recover pods started for this change.'),
  },
  { required: ['kind', 'toGeneration', 'startedAt', 'stage'] },
)

const failure = obj(
  'The most recent failure of a worker or of the job.',
  {
    time: timestamp('When the failure was observed.'),
    slot: int('Slot of the failed worker, when a worker failed.', { minimum: 0 }),
    pod: str('Name of the failed pod, when a worker failed.'),
    attempt: int64('Attempt of the failed worker.'),
    reason: str('CamelCase cause, such as WorkerExited, PodEvicted, CheckpointTimeout, TransactionExpired.'),
    message: str('Details for a person, e.g. the exit code or the error the worker reported.', {
      maxLength: 32768,
    }),
  },
  { required: ['time', 'reason'] },
)

const savepoint = obj(
  'A savepoint: a checkpoint kept until deleted, that a job can start from with spec.restoreFrom.',
  {
    name: str('Savepoint name, the value spec.restoreFrom takes.'),
    trigger: str('The spec.savepointTrigger value that requested it.'),
    completedAt: timestamp('When the savepoint completed.'),
    uri: str('Where it is stored: s3://bucket/prefix/.../savepoints/<name>/.'),
  },
  { required: ['name'] },
)

const runningSavepoint = obj(
  'A savepoint being taken while the job runs: every worker cuts at its next checkpoint and holds its ' +
    'commits until all have cut; then worker 0 writes it.',
  {
    name: str('Savepoint name.'),
    trigger: str('The spec.savepointTrigger value that requested it.'),
    generation: int('The generation it is taken of.', { minimum: 1 }),
    startedAt: timestamp('When it was asked for.'),
    stage: str(
      'Holding (the workers cut and hold), Writing (released; worker 0 writes the manifest) or Abandoned ' +
        '(it could not be taken while running: the job is stopped to take it).',
      { enum: ['Holding', 'Writing', 'Abandoned'] },
    ),
    reason: str('Why it was abandoned.', { maxLength: 4096 }),
  },
  { required: ['name', 'generation', 'startedAt', 'stage'] },
)

export const statusSchema: Schema = obj('The observed state of the job, written by the operator.', {
  observedGeneration: int64('metadata.generation of the spec the operator last acted on.'),
  phase: str(
    'Where the job is in its lifecycle: Pending, Starting, Running, Recovering, Upgrading, Suspending, ' +
      'Suspended, Failed or Deleting.',
    { enum: [...JOB_PHASES] },
  ),
  conditions: list('Conditions, one per type, in the shape of metav1.Condition.', condition, {
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
  }),
  workers: list('The worker slots, by slot number.', worker, {
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['slot'],
  }),
  lastCheckpoint: checkpointSummary(
    "The oldest of the workers' latest checkpoints: every slot has checkpointed at least this recently.",
    { slot: int('The slot that took it.', { minimum: 0 }) },
  ),
  current: layout,
  transition,
  replicas: int('Worker slots of the running generation (0 while none runs): the scale subresource reads it.', {
    minimum: 0,
  }),
  selector: str("The label selector of the job's worker pods, for the scale subresource (HPA, KEDA).", {
    maxLength: 512,
  }),
  storagePath: str(
    "The job's directory in its checkpoint storage, s3://bucket/prefix/namespace/name/uid/ (a StreamJob " +
      'created again under the same name gets a directory of its own). exactly checkpoints reads it.',
    { maxLength: 2048 },
  ),
  restarts: int64(
    'Worker failures since the job was last stable (Ready with no failure for spec.restartPolicy.resetAfter) ' +
      'in the current generation; past spec.restartPolicy.maxRestarts the job is Failed. Disruptions are not counted.',
  ),
  lastFailure: failure,
  savepoints: list('Savepoints taken by spec.savepointTrigger, oldest first.', savepoint, {
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['name'],
  }),
  runningSavepoint,
  periodicSavepointAt: timestamp(
    'When the last periodic savepoint (spec.savepointInterval) was started, or when the schedule began.',
  ),
})
