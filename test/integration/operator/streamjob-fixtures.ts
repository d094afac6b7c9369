/**
 * StreamJobs for the CRD test: the smallest valid one, and specs the API server must refuse, each
 * with a fragment of the message it must answer. A fragment names the field, so a rule that
 * fires on the wrong field, or a message that stops naming it, fails the test.
 */

export interface StreamJobObject {
  apiVersion: 'exactly.dev/v1alpha1'
  kind: 'StreamJob'
  metadata: { name: string; resourceVersion?: string }
  spec: Record<string, unknown>
  status?: Record<string, unknown>
}

export function minimalStreamJob(name: string): StreamJobObject {
  return {
    apiVersion: 'exactly.dev/v1alpha1',
    kind: 'StreamJob',
    metadata: { name },
    spec: {
      image: 'exactly:dev',
      job: { module: '/app/examples/word-count/job.ts' },
      kafka: { bootstrapServers: ['kafka-0.kafka:9092'], source: { topics: ['words'] }, sink: { topic: 'counts' } },
      checkpoint: { storage: { uri: 's3://checkpoints/exactly' } },
    },
  }
}

export interface InvalidCase {
  what: string
  /** Edits the minimal job in place. */
  edit: (job: StreamJobObject) => void
  /** Part of the API server's message. */
  message: string
}

// biome-ignore lint/suspicious/noExplicitAny: the cases reach into a free-form spec on purpose
const spec = (job: StreamJobObject): any => job.spec

export const INVALID_CASES: InvalidCase[] = [
  {
    what: 'a start offset for a topic the job does not read',
    edit: (j) => (spec(j).kafka.source.startFromOffsets = [{ topic: 'elsewhere', partition: 0, offset: 5 }]),
    message: 'spec.kafka.source.startFromOffsets names a topic that is not in spec.kafka.source.topics',
  },
  {
    what: 'SCRAM without TLS and without the plaintext opt-in',
    edit: (j) =>
      (spec(j).kafka.authentication = {
        type: 'scram-sha-512',
        username: 'job',
        passwordSecret: { secretName: 'job', password: 'password' },
      }),
    message:
      'spec.kafka.authentication without spec.kafka.tls would send credentials unencrypted: add spec.kafka.tls, or set spec.kafka.authentication.allowPlaintext: true',
  },
  {
    what: 'SCRAM without a password Secret',
    edit: (j) => {
      spec(j).kafka.tls = {}
      spec(j).kafka.authentication = { type: 'scram-sha-512', username: 'job' }
    },
    message:
      'spec.kafka.authentication.username and passwordSecret are required for types scram-sha-256, scram-sha-512 and plain',
  },
  {
    what: 'a client certificate without TLS',
    edit: (j) =>
      (spec(j).kafka.authentication = {
        type: 'tls',
        certificateAndKey: { secretName: 'job', certificate: 'user.crt', key: 'user.key' },
      }),
    message: 'spec.kafka.authentication type tls presents a client certificate, which needs spec.kafka.tls',
  },
  {
    what: 'oauth without a token source',
    edit: (j) => {
      spec(j).kafka.tls = {}
      spec(j).kafka.authentication = { type: 'oauth' }
    },
    message: 'spec.kafka.authentication.accessToken is required for type oauth',
  },
  {
    what: 'no image',
    edit: (j) => delete spec(j).image,
    message: 'spec.image: Required value',
  },
  {
    what: 'parallelism 0',
    edit: (j) => (spec(j).parallelism = 0),
    message: 'spec.parallelism in body should be greater than or equal to 1',
  },
  {
    what: 'parallelism 1025',
    edit: (j) => (spec(j).parallelism = 1025),
    message: 'spec.parallelism in body should be less than or equal to 1024',
  },
  {
    what: 'transactionTimeout below interval + timeout',
    edit: (j) => (spec(j).kafka.transactionTimeout = '1m'),
    message:
      'spec.kafka.transactionTimeout must exceed checkpoint.interval + checkpoint.timeout, or the broker aborts a pre-committed transaction and its records are lost; raise kafka.transactionTimeout or lower the checkpoint settings',
  },
  {
    what: 'transactionTimeout equal to interval + timeout',
    edit: (j) => {
      Object.assign(spec(j).checkpoint, { interval: '5m', timeout: '10m' })
      spec(j).kafka.transactionTimeout = '15m'
    },
    message: 'spec.kafka.transactionTimeout must exceed checkpoint.interval + checkpoint.timeout',
  },
  {
    what: 'checkpoint.interval long enough to outlive the default transactionTimeout',
    edit: (j) => (spec(j).checkpoint.interval = '1h'),
    message: 'spec.kafka.transactionTimeout must exceed checkpoint.interval + checkpoint.timeout',
  },
  {
    what: 'transactionTimeout in words',
    edit: (j) => (spec(j).kafka.transactionTimeout = '15 minutes'),
    message: 'spec.kafka.transactionTimeout must be a positive duration such as 500ms, 10s, 15m or 1h30m',
  },
  {
    what: 'checkpoint.interval without a unit',
    edit: (j) => (spec(j).checkpoint.interval = '10'),
    message: 'spec.checkpoint.interval must be a positive duration',
  },
  {
    what: 'checkpoint.timeout of zero',
    edit: (j) => (spec(j).checkpoint.timeout = '0s'),
    message: 'spec.checkpoint.timeout must be a positive duration',
  },
  {
    what: 'checkpoint.retained 0',
    edit: (j) => (spec(j).checkpoint.retained = 0),
    message: 'spec.checkpoint.retained in body should be greater than or equal to 1',
  },
  {
    what: 'sink topic among the source topics',
    edit: (j) => (spec(j).kafka.source.topics = ['words', 'counts']),
    message: 'spec.kafka.sink.topic must not be one of spec.kafka.source.topics',
  },
  {
    what: 'onError dead-letter without a dead-letter topic',
    edit: (j) => (spec(j).job.onError = 'dead-letter'),
    message: 'spec.kafka.sink.deadLetterTopic is required when spec.job.onError is dead-letter',
  },
  {
    what: 'dead-letter topic that is a source topic',
    edit: (j) => (spec(j).kafka.sink.deadLetterTopic = 'words'),
    message: 'spec.kafka.sink.deadLetterTopic must not be one of spec.kafka.source.topics',
  },
  {
    what: 'dead-letter topic that is the sink topic',
    edit: (j) => (spec(j).kafka.sink.deadLetterTopic = 'counts'),
    message: 'spec.kafka.sink.deadLetterTopic must differ from spec.kafka.sink.topic',
  },
  {
    what: 'lineage topic that is a source topic',
    edit: (j) => (spec(j).kafka.sink.lineageTopic = 'words'),
    message: 'spec.kafka.sink.lineageTopic must be a topic of its own',
  },
  {
    what: 'lineage topic that is the dead-letter topic',
    edit: (j) => {
      spec(j).kafka.sink.deadLetterTopic = 'failed'
      spec(j).kafka.sink.lineageTopic = 'failed'
    },
    message: 'spec.kafka.sink.lineageTopic must be a topic of its own',
  },
  {
    what: 'onError outside its enum',
    edit: (j) => (spec(j).job.onError = 'ignore'),
    message: 'spec.job.onError: Unsupported value: "ignore"',
  },
  {
    what: 'relative job module',
    edit: (j) => (spec(j).job.module = 'jobs/word-count.ts'),
    message: 'spec.job.module must be an absolute path inside the image',
  },
  {
    what: 'storage uri with another scheme',
    edit: (j) => (spec(j).checkpoint.storage.uri = 'https://checkpoints.example.com/exactly'),
    message: 'spec.checkpoint.storage.uri must be s3://bucket or s3://bucket/prefix',
  },
  {
    what: 'storage uri with an upper-case bucket',
    edit: (j) => (spec(j).checkpoint.storage.uri = 's3://Checkpoints/exactly'),
    message: 'spec.checkpoint.storage.uri must be s3://bucket or s3://bucket/prefix',
  },
  {
    what: 'storage uri with a two-letter bucket',
    edit: (j) => (spec(j).checkpoint.storage.uri = 's3://ab'),
    message: 'spec.checkpoint.storage.uri must be s3://bucket or s3://bucket/prefix',
  },
  {
    what: 'storage endpoint without a scheme',
    edit: (j) => (spec(j).checkpoint.storage.endpoint = 'seaweedfs:8333'),
    message: 'spec.checkpoint.storage.endpoint must be an http:// or https:// URL',
  },
  {
    what: 'no bootstrap servers',
    edit: (j) => (spec(j).kafka.bootstrapServers = []),
    message: 'spec.kafka.bootstrapServers in body should have at least 1 items',
  },
  {
    what: 'bootstrap server without a port',
    edit: (j) => (spec(j).kafka.bootstrapServers = ['kafka-0.kafka']),
    message: 'spec.kafka.bootstrapServers entries must be host:port',
  },
  {
    // The worker's config refuses it too (contract/broker-address.ts): kafkajs cannot dial it.
    what: 'an IPv6 literal bootstrap server',
    edit: (j) => (spec(j).kafka.bootstrapServers = ['[::1]:9092']),
    message:
      'an IPv6 literal such as [::1]:9092 is not supported by the Kafka client: use a DNS name that resolves to it',
  },
  {
    what: 'no source topics',
    edit: (j) => (spec(j).kafka.source.topics = []),
    message: 'spec.kafka.source.topics in body should have at least 1 items',
  },
  {
    what: 'source topic with a space',
    edit: (j) => (spec(j).kafka.source.topics = ['my words']),
    message: 'spec.kafka.source.topics entries must be a Kafka topic name',
  },
  {
    what: 'startFrom outside its enum',
    edit: (j) => (spec(j).kafka.source.startFrom = 'beginning'),
    message: 'spec.kafka.source.startFrom: Unsupported value: "beginning"',
  },
  {
    what: 'backoff initial above max',
    edit: (j) => (spec(j).restartPolicy = { backoff: { initial: '10m', max: '1m' } }),
    message: 'spec.restartPolicy.backoff.initial must not exceed spec.restartPolicy.backoff.max',
  },
  {
    what: 'a pod label under exactly.dev/',
    edit: (j) => (spec(j).podTemplate = { labels: { 'exactly.dev/slot': '0' } }),
    message: 'spec.podTemplate.labels must not use the exactly.dev/ prefix',
  },
  {
    what: 'an EXACTLY_ environment variable',
    edit: (j) => (spec(j).podTemplate = { env: [{ name: 'EXACTLY_WORKER_CONFIG', value: '{}' }] }),
    message: 'spec.podTemplate.env must not set variables named EXACTLY_*',
  },
  {
    what: 'upgradeMode outside its enum',
    edit: (j) => (spec(j).upgradeMode = 'savepoint'),
    message: 'spec.upgradeMode: Unsupported value: "savepoint"',
  },
  {
    what: 'savepointInterval under a minute',
    edit: (j) => (spec(j).savepointInterval = '30s'),
    message: 'spec.savepointInterval must be a duration of at least 1m',
  },
  {
    what: 'restoreFrom that is a path',
    edit: (j) => (spec(j).restoreFrom = '../other-job/savepoints/x'),
    message: 'spec.restoreFrom must be a savepoint name (letters',
  },
  {
    what: 'restoreFrom that is an S3 URI but not a savepoint',
    edit: (j) => (spec(j).restoreFrom = 's3://bucket/team/counts/uid/g1/s0/'),
    message: 'spec.restoreFrom must be a savepoint name (letters',
  },
  {
    what: 'onJobDelete outside its enum',
    edit: (j) => (spec(j).checkpoint.storage.onJobDelete = 'keep'),
    message: 'spec.checkpoint.storage.onJobDelete: Unsupported value: "keep"',
  },
  {
    what: 'a misspelt field (kubectl validates strictly, so do we)',
    edit: (j) => (spec(j).kafka.sinkTopic = 'counts'),
    message: 'unknown field "spec.kafka.sinkTopic"',
  },
  {
    what: 'a name longer than a label value',
    edit: (j) => (j.metadata.name = `too-long-${'x'.repeat(60)}`),
    message: 'metadata.name must be at most 63 characters',
  },
]
