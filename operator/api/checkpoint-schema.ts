/**
 * `spec.checkpoint`: cadence, retention and the S3 storage. The storage URI is immutable because
 * the job's checkpoints, and the record of its pre-committed transactions, live there.
 */
import { bool, duration, immutable, int, localRef, matches, obj, type Schema, str } from './openapi.ts'

export const STORAGE_URI_PATTERN = '^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$'

const storage = obj(
  'The S3 bucket (or S3-compatible store) that holds checkpoints, restore points and savepoints.',
  {
    uri: str(
      "s3://bucket or s3://bucket/prefix. Immutable: the job's checkpoints, and the record of its open " +
        'transactions, live there; a job started elsewhere would not find them.',
      {
        minLength: 1,
        maxLength: 1024,
        'x-kubernetes-validations': [
          {
            rule: matches('self', STORAGE_URI_PATTERN),
            message:
              'spec.checkpoint.storage.uri must be s3://bucket or s3://bucket/prefix with a bucket name of 3-63 lowercase letters, digits, dots and hyphens',
          },
          immutable(
            'spec.checkpoint.storage.uri',
            "the job's checkpoints and the record of its open transactions live there; create a new StreamJob (with restoreFrom) to move storage",
          ),
        ],
      },
    ),
    endpoint: str('URL of an S3-compatible server, e.g. http://seaweedfs:8333; omit it for AWS S3.', {
      maxLength: 1024,
      'x-kubernetes-validations': [
        {
          rule: "isURL(self) && url(self).getScheme() in ['http', 'https']",
          message: 'spec.checkpoint.storage.endpoint must be an http:// or https:// URL, such as http://seaweedfs:8333',
        },
      ],
    }),
    region: str('Region of the bucket.', { default: 'us-east-1', minLength: 1, maxLength: 64 }),
    forcePathStyle: bool(
      'Address the bucket as endpoint/bucket rather than bucket.endpoint. When unset: true if endpoint is set ' +
        '(S3-compatible servers need it), false for AWS S3.',
    ),
    credentialsSecretRef: localRef(
      "Secret with the keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; omit it to use the SDK's other sources.",
      'Secret',
    ),
    onJobDelete: str(
      'What deleting the StreamJob does to its storage once its transactions are closed: delete removes ' +
        'its checkpoints and restore points and keeps its savepoints; retain keeps everything (status.storagePath says where).',
      { enum: ['delete', 'retain'], default: 'delete' },
    ),
  },
  { required: ['uri'] },
)

export const checkpointSchema: Schema = obj(
  'How often each worker checkpoints its state and offsets and commits its transaction, and where to.',
  {
    interval: duration(
      'spec.checkpoint.interval',
      'Time between checkpoints of a worker. Output becomes visible to read_committed readers once per interval.',
      '10s',
    ),
    timeout: duration(
      'spec.checkpoint.timeout',
      'A checkpoint not complete within this time fails the worker, which restarts from its last checkpoint.',
      '2m',
    ),
    retained: int('Completed checkpoints kept per worker; older ones are deleted from storage.', {
      default: 3,
      minimum: 1,
      maximum: 100,
    }),
    storage,
  },
  { required: ['storage'] },
)
