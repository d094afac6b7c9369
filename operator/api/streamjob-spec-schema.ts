/**
 * `spec` of a StreamJob (DESIGN section 2): the schema bounds and the CEL rules the API server
 * enforces. Rules sit on the smallest object that holds every field they read, and point
 * `fieldPath` at the field a person should change. Every list and string a rule reads has a
 * maximum so the API server's cost estimate stays within its budget.
 */

import { checkpointSchema } from './checkpoint-schema.ts'
import { kafkaSchema } from './kafka-schema.ts'
import {
  type CelRule,
  DURATION_PATTERN,
  duration,
  durationsParse,
  int,
  matches,
  obj,
  type Schema,
  str,
} from './openapi.ts'
import { podTemplateSchema, resourcesSchema } from './pod-template-schema.ts'

const SAVEPOINT_NAME_PATTERN = '^[A-Za-z0-9._-]+$'
/** A savepoint's directory anywhere (another job, namespace or prefix), as status.savepoints[].uri shows it. */
export const SAVEPOINT_URI_PATTERN =
  '^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([A-Za-z0-9._-]+/)*savepoints/[A-Za-z0-9._-]+/?$'

const job = obj(
  'The job the workers run: a module of the image and its configuration.',
  {
    module: str(
      "Absolute path of the job's module inside the image, e.g. /app/examples/word-count/job.ts. " +
        'Its default export is the job built with defineJob().',
      {
        minLength: 1,
        maxLength: 1024,
        'x-kubernetes-validations': [
          {
            rule: "self.startsWith('/')",
            message: 'spec.job.module must be an absolute path inside the image, such as /app/jobs/my-job.ts',
          },
        ],
      },
    ),
    config: {
      description:
        'Free JSON handed to the job as its configuration; the operator does not read it. At most 200 KiB as JSON: it reaches each pod in an annotation, mounted as a file (a larger one fails the job with InvalidSpec before any pod starts).',
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    },
    onError: str(
      'What a record whose processing throws does. fail: the slot stops and restarts, replaying the record ' +
        '(a poison record stops the job). dead-letter: the record goes to kafka.sink.deadLetterTopic with its ' +
        'error in headers, in the same transaction as the output, and processing goes on.',
      { enum: ['fail', 'dead-letter'], default: 'fail' },
    ),
  },
  { required: ['module'] },
)
const restartPolicy = obj(
  'How the operator restarts failed workers.',
  {
    maxRestarts: int(
      'Worker failures (status.restarts) after which the job goes Failed instead of trying again. The count ' +
        'starts again once the job has been Ready with no failure for resetAfter, and with each new generation. ' +
        'A worker taken by a disruption (kubectl delete pod, the Eviction API, a drain, preemption, a node ' +
        'shutdown) is replaced without counting. 0 never restarts.',
      { default: 10, minimum: 0, maximum: 10000 },
    ),
    resetAfter: duration(
      'spec.restartPolicy.resetAfter',
      'How long the job must be Ready with no worker failing before status.restarts starts again from 0.',
      '10m',
    ),
    backoff: obj(
      'Delay before a restart: doubles from initial after each consecutive failure, up to max.',
      {
        initial: duration('spec.restartPolicy.backoff.initial', 'Delay before the first restart.', '10s'),
        max: duration('spec.restartPolicy.backoff.max', 'Longest delay between restarts.', '5m'),
      },
      {
        default: {},
        'x-kubernetes-validations': [
          {
            // has(): the API server checks the `{}` default against this rule before defaulting inside it.
            rule:
              `!has(self.initial) || !has(self.max) || !(${durationsParse('self.initial', 'self.max')}) || ` +
              'duration(self.initial) <= duration(self.max)',
            fieldPath: '.initial',
            message:
              'spec.restartPolicy.backoff.initial must not exceed spec.restartPolicy.backoff.max; lower initial or raise max',
          },
        ],
      },
    ),
  },
  { default: {} },
)

const TRANSACTION_TIMEOUT_RULE: CelRule = {
  rule:
    `!(${durationsParse('self.kafka.transactionTimeout', 'self.checkpoint.interval', 'self.checkpoint.timeout')}) || ` +
    'duration(self.kafka.transactionTimeout) > duration(self.checkpoint.interval) + duration(self.checkpoint.timeout)',
  fieldPath: '.kafka.transactionTimeout',
  message:
    'spec.kafka.transactionTimeout must exceed checkpoint.interval + checkpoint.timeout, or the broker aborts a ' +
    'pre-committed transaction and its records are lost; raise kafka.transactionTimeout or lower the checkpoint settings',
}

const DEAD_LETTER_RULE: CelRule = {
  rule: "self.job.onError != 'dead-letter' || has(self.kafka.sink.deadLetterTopic)",
  fieldPath: '.kafka.sink.deadLetterTopic',
  reason: 'FieldValueRequired',
  message:
    'spec.kafka.sink.deadLetterTopic is required when spec.job.onError is dead-letter; set the topic or use onError: fail',
}

export const specSchema: Schema = obj(
  'The desired state of the job. Changing image, job, parallelism, resources or podTemplate upgrades it: workers stop ' +
    'with a final checkpoint and a new generation starts from it.',
  {
    image: str('Container image of the workers: the exactly image, or one built FROM it that holds the job.', {
      minLength: 1,
      maxLength: 1024,
    }),
    job,
    parallelism: int(
      'Number of worker pods. Source partitions are spread over them; more workers than ' +
        'partitions leaves some idle.',
      { default: 1, minimum: 1, maximum: 1024 },
    ),
    resources: resourcesSchema,
    podTemplate: podTemplateSchema,
    kafka: kafkaSchema,
    checkpoint: checkpointSchema,
    restartPolicy,
    upgradeMode: str(
      'How a new generation starts. last-state: from the final checkpoint of the previous one (state and ' +
        'offsets kept). stateless: from empty state at kafka.source.startFrom.',
      { enum: ['last-state', 'stateless'], default: 'last-state' },
    ),
    state: str(
      'running or suspended. Suspending stops the workers with a final checkpoint; running again resumes from it.',
      {
        enum: ['running', 'suspended'],
        default: 'running',
      },
    ),
    savepointTrigger: str(
      'A nonce: set or change it to take a savepoint. The savepoint is listed in status.savepoints with this value.',
      { maxLength: 63 },
    ),
    savepointInterval: {
      ...duration(
        'spec.savepointInterval',
        'Take a savepoint this often while the job runs, e.g. 6h (at least 1m); the first one interval after the ' +
          'job first runs with it. Named sp-g<generation>-periodic-<time>, listed in status.savepoints and bounded ' +
          'by savepointHistory like the others.',
      ),
      'x-kubernetes-validations': [
        {
          rule: `${matches('self', DURATION_PATTERN)} && duration(self) >= duration('1m')`,
          message: 'spec.savepointInterval must be a duration of at least 1m, such as 30m, 6h or 24h',
        },
      ],
    },
    savepointHistory: obj(
      'How many savepoints to keep. Taking one more deletes the oldest from storage and from status.savepoints ' +
        '(a savepoint a job restored from was copied into that job first, so deleting it breaks nothing).',
      { maxCount: int('Savepoints kept, the newest.', { minimum: 1, maximum: 1000, default: 10 }) },
      { default: {} },
    ),
    restoreFrom: str(
      'The savepoint the next generation starts from instead of its last checkpoint: the name of one of this ' +
        "job's (status.savepoints[].name), or the URI of any (status.savepoints[].uri of another job, namespace or " +
        "prefix, in a bucket this job's storage credentials can read). The state is copied into this job's storage.",
      {
        maxLength: 1024,
        'x-kubernetes-validations': [
          {
            rule:
              `(${matches('self', SAVEPOINT_NAME_PATTERN)} && size(self) <= 128 && self != '.' && self != '..') || ` +
              `(${matches('self', SAVEPOINT_URI_PATTERN)} && !self.contains('/../') && !self.contains('/./'))`,
            message:
              "spec.restoreFrom must be a savepoint name (letters, digits, '.', '_' and '-') or a savepoint URI s3://bucket/…/savepoints/<name>/",
          },
        ],
      },
    ),
  },
  {
    required: ['image', 'job', 'kafka', 'checkpoint'],
    'x-kubernetes-validations': [TRANSACTION_TIMEOUT_RULE, DEAD_LETTER_RULE],
  },
)
