/**
 * `spec.kafka`: brokers, topics and the transaction timeout. The rules that compare topics sit
 * here, on the smallest object holding every topic they read.
 */
import { BROKER_ADDRESS_PATTERN, BROKER_ADDRESS_RULE } from '../../contract/broker-address.ts'
import { KAFKA_SECURITY_RULES, kafkaAuthenticationSchema, kafkaTlsSchema } from './kafka-security-schema.ts'
import { duration, immutable, int, list, matches, obj, type Schema, str, timestamp } from './openapi.ts'

const TOPIC_PATTERN = '^[a-zA-Z0-9._-]+$'

const int64Schema = (description: string): Schema => int(description, { format: 'int64', minimum: 0 })

const topic = (path: string, description: string): Schema =>
  str(description, {
    minLength: 1,
    maxLength: 249,
    'x-kubernetes-validations': [
      {
        rule: `${matches('self', TOPIC_PATTERN)} && self != '.' && self != '..'`,
        message: `${path} must be a Kafka topic name: letters, digits, '.', '_' and '-' only`,
      },
    ],
  })

export const kafkaSchema: Schema = obj(
  'The Kafka cluster, the topics read and written, and the transactions that make output exactly-once.',
  {
    bootstrapServers: list(
      'Brokers to bootstrap from, as host:port.',
      str('A broker as host:port, such as kafka-0.kafka:9092.', {
        maxLength: 261,
        'x-kubernetes-validations': [
          {
            rule: matches('self', BROKER_ADDRESS_PATTERN),
            message: `spec.kafka.bootstrapServers entries ${BROKER_ADDRESS_RULE}`,
          },
        ],
      }),
      { minItems: 1, maxItems: 16 },
    ),
    source: obj(
      'What the job reads. Each partition of the source topics is one task; tasks are spread over the workers.',
      {
        topics: list(
          'Topics read with isolation.level=read_committed. Immutable: checkpointed offsets and keyed state ' +
            'belong to these topics, so a job reading other topics is a new StreamJob.',
          topic('spec.kafka.source.topics entries', 'A topic to read.'),
          {
            minItems: 1,
            maxItems: 32,
            'x-kubernetes-list-type': 'set',
            'x-kubernetes-validations': [
              immutable(
                'spec.kafka.source.topics',
                'checkpointed offsets and state belong to these topics; create a new StreamJob to read other topics',
              ),
            ],
          },
        ),
        startFrom: str(
          'Where a job without a checkpoint starts reading: earliest (all retained records) or latest ' +
            '(records produced from now on). Ignored once a checkpoint exists.',
          { enum: ['earliest', 'latest'], default: 'earliest' },
        ),
        startFromTimestamp: {
          ...timestamp(
            'Start each partition at its first record whose timestamp is at or after this time (RFC 3339), or at the ' +
              'end of a partition with none yet. Used on the first start only, like startFrom; set at creation.',
          ),
          maxLength: 64,
        },
        startFromOffsets: list(
          'Start these partitions exactly at these offsets; the others follow startFromTimestamp or startFrom. Used ' +
            'on the first start only; set at creation. An offset the partition no longer holds fails the job with ' +
            'OffsetOutOfRange.',
          obj(
            'One partition and its first offset.',
            {
              topic: str('A topic of spec.kafka.source.topics.', { minLength: 1, maxLength: 249 }),
              partition: int('The partition.', { minimum: 0, maximum: 100000 }),
              offset: int64Schema('The first offset to read.'),
            },
            { required: ['topic', 'partition', 'offset'] },
          ),
          { maxItems: 1024 },
        ),
      },
      {
        required: ['topics'],
        'x-kubernetes-validations': [
          {
            rule: '!has(self.startFromOffsets) || self.startFromOffsets.all(o, o.topic in self.topics)',
            fieldPath: '.startFromOffsets',
            message:
              'spec.kafka.source.startFromOffsets names a topic that is not in spec.kafka.source.topics; list offsets of source topics only',
          },
          {
            rule: '!has(oldSelf.startFromTimestamp) || (has(self.startFromTimestamp) && self.startFromTimestamp == oldSelf.startFromTimestamp)',
            fieldPath: '.startFromTimestamp',
            message:
              'spec.kafka.source.startFromTimestamp is used on the first start only and cannot change; create a new StreamJob to start elsewhere',
          },
          {
            rule: '!has(oldSelf.startFromOffsets) || (has(self.startFromOffsets) && self.startFromOffsets == oldSelf.startFromOffsets)',
            fieldPath: '.startFromOffsets',
            message:
              'spec.kafka.source.startFromOffsets is used on the first start only and cannot change; create a new StreamJob to start elsewhere',
          },
        ],
      },
    ),
    sink: obj(
      'Where the job writes, transactionally: readers with isolation.level=read_committed see each result once.',
      {
        topic: topic('spec.kafka.sink.topic', 'The output topic. It must not be a source topic.'),
        deadLetterTopic: topic(
          'spec.kafka.sink.deadLetterTopic',
          'Where failed records go when job.onError is dead-letter. Neither a source topic nor the sink topic.',
        ),
        lineageTopic: topic(
          'spec.kafka.sink.lineageTopic',
          'Records which input each task processed, in its order, in the same transactions as the output (one ' +
            'small record per task and fetch), so `exactly verify --job --lineage` can audit a job that reads several ' +
            'topics. Create it before the job (any partition count). Neither a source topic nor the sink or dead-letter topic.',
        ),
      },
      { required: ['topic'] },
    ),
    transactionTimeout: duration(
      'spec.kafka.transactionTimeout',
      "Kafka transaction timeout of the workers' producers. It must exceed checkpoint.interval + checkpoint.timeout: " +
        'a transaction stays open until the checkpoint after it completes, and one the broker aborts first loses ' +
        "its records. At most the brokers' transaction.max.timeout.ms (15m by default).",
      '15m',
    ),
    tls: kafkaTlsSchema,
    authentication: kafkaAuthenticationSchema,
    transactionalIdPrefix: str(
      'Put in front of every transactional id of the job, so a prefixed ACL can be granted before the job exists ' +
        '(docs/kafka-security.md). Without it, the ids start with the job uid. Immutable: recovery finds ' +
        "a generation's transactions by it.",
      {
        maxLength: 120,
        pattern: '^[a-zA-Z0-9._-]*$',
        'x-kubernetes-validations': [
          immutable(
            'spec.kafka.transactionalIdPrefix',
            'recovery finds the transactions of a generation by their ids; create a new StreamJob to change it',
          ),
        ],
      },
    ),
  },
  {
    required: ['bootstrapServers', 'source', 'sink'],
    'x-kubernetes-validations': [
      ...KAFKA_SECURITY_RULES,
      {
        rule: '!(self.sink.topic in self.source.topics)',
        fieldPath: '.sink.topic',
        message:
          'spec.kafka.sink.topic must not be one of spec.kafka.source.topics: the job would read its own output; choose another sink topic',
      },
      {
        rule: '!has(self.sink.deadLetterTopic) || !(self.sink.deadLetterTopic in self.source.topics)',
        fieldPath: '.sink.deadLetterTopic',
        message:
          'spec.kafka.sink.deadLetterTopic must not be one of spec.kafka.source.topics: failed records would be read again; choose another topic',
      },
      {
        rule: '!has(self.sink.lineageTopic) || !(self.sink.lineageTopic in self.source.topics) && self.sink.lineageTopic != self.sink.topic && (!has(self.sink.deadLetterTopic) || self.sink.lineageTopic != self.sink.deadLetterTopic)',
        fieldPath: '.sink.lineageTopic',
        message:
          'spec.kafka.sink.lineageTopic must be a topic of its own, not a source, sink or dead-letter topic: lineage records would mix with data; choose another topic',
      },
      {
        rule: '!has(self.sink.deadLetterTopic) || self.sink.deadLetterTopic != self.sink.topic',
        fieldPath: '.sink.deadLetterTopic',
        message:
          'spec.kafka.sink.deadLetterTopic must differ from spec.kafka.sink.topic, so failed records stay apart from results; choose another topic',
      },
    ],
  },
)
