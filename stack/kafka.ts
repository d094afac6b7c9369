/**
 * A single-node Apache Kafka (KRaft, broker + controller in one JVM) from Maven Central jars.
 * Settings are chosen for one node (replication 1) and for transactions: the transaction
 * state log fits one broker, and transaction.max.timeout.ms is raised so jobs may use long
 * transaction timeouts (the broker rejects a producer asking for more than this maximum).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { componentDir } from './components.ts'
import type { Launch, ManagedProcess } from './managed-process.ts'
import { freePort } from './ports.ts'

export interface KafkaBroker {
  bootstrap: string
  process: ManagedProcess
}

// A fixed cluster id keeps the storage format step deterministic; each stack has its own data dir.
const CLUSTER_ID = 'ZXhhY3RseS1sb2NhbC0x0A'

/** `host`: the address the broker binds and advertises (the real node's bridge address, for pods). */
export function brokerProperties(dir: string, port: number, controllerPort: number, host = '127.0.0.1'): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=${host}:${controllerPort}`,
    `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=1',
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=3',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'transaction.max.timeout.ms=3600000',
    // Expired transactions are aborted within a second, so timeout alarms can be tested quickly.
    'transaction.abort.timed.out.transaction.cleanup.interval.ms=1000',
    'log.flush.interval.messages=9223372036854775807',
    '',
  ].join('\n')
}

const LOG4J2 = `status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = warn
logger.apache.name = org.apache.kafka
logger.apache.level = warn
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = info
logger.txn.name = kafka.coordinator.transaction
logger.txn.level = info
logger.txnstate.name = org.apache.kafka.coordinator.transaction
logger.txnstate.level = info
`

export async function startKafka(dir: string, launch: Launch, host = '127.0.0.1', port?: number): Promise<KafkaBroker> {
  const libs = await componentDir('kafka')
  await mkdir(dir, { recursive: true })
  const brokerPort = port ?? (await freePort(host))
  const controllerPort = await freePort(host)
  const props = join(dir, 'server.properties')
  const log4j = join(dir, 'log4j2.properties')
  await writeFile(props, brokerProperties(dir, brokerPort, controllerPort, host))
  await writeFile(log4j, LOG4J2)
  const jvm = [
    '-Xms256m',
    '-Xmx1g',
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=file:${log4j}`,
    // Keep logging through a controlled shutdown: what the transaction coordinator does then
    // is what docs/checkpoint-protocol.md ("Hanging transactions") is about.
    '-Dlog4j2.shutdownHookEnabled=false',
  ]
  const classpath = ['-cp', `${libs}/*`]

  const format = launch('kafka-storage-format', 'java', [
    ...jvm,
    ...classpath,
    'kafka.tools.StorageTool',
    'format',
    '--standalone',
    '--ignore-formatted',
    '-t',
    CLUSTER_ID,
    '-c',
    props,
  ])
  await format.exited
  if (format.child.exitCode !== 0) throw new Error(`Cannot format Kafka storage in ${dir}:\n${format.tail()}`)

  const broker = launch('kafka', 'java', [...jvm, ...classpath, 'kafka.Kafka', props])
  const bootstrap = `${host}:${brokerPort}`
  await broker.waitUntil('accepting requests', () => brokerResponds(bootstrap), 90_000)
  return { bootstrap, process: broker }
}

/**
 * Restarts the broker on the same port and data (for broker-restart tests): a clean restart, so
 * the broker gets up to 90 s for its controlled shutdown. On a loaded 2-core machine it can take
 * more than 20 s, and a SIGKILL then is a crash, a different test (see docs/testing.md).
 */
export async function restartKafka(dir: string, broker: KafkaBroker, launch: Launch): Promise<KafkaBroker> {
  await broker.process.stop(90_000)
  const [host, port] = broker.bootstrap.split(':')
  return startKafka(dir, launch, host, Number(port))
}

async function brokerResponds(bootstrap: string): Promise<boolean> {
  const admin = new Kafka({ clientId: 'exactly-stack', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin()
  try {
    await admin.connect()
    const cluster = await admin.describeCluster()
    return cluster.brokers.length > 0
  } finally {
    await admin.disconnect()
  }
}
