/**
 * A single-node Apache Kafka (KRaft, broker + controller in one JVM) from Maven Central jars.
 * Settings are chosen for one node (replication 1) and for transactions: the transaction
 * state log fits one broker, and transaction.max.timeout.ms is raised so jobs may use long
 * transaction timeouts (the broker rejects a producer asking for more than this maximum).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { componentDir } from './components.ts'
import {
  type KafkaSecurityInfo,
  prepareKafkaSecurity,
  type SecuredPorts,
  scramFormatArgs,
  securedBrokerProperties,
} from './kafka-security.ts'
import type { Launch, ManagedProcess } from './managed-process.ts'
import { freePort } from './ports.ts'

export interface KafkaBroker {
  /** The PLAINTEXT listener (its clients are User:ANONYMOUS, a super user). */
  bootstrap: string
  /** The secured listeners and what their clients need (kafka-security.ts). */
  security: KafkaSecurityInfo
  process: ManagedProcess
}

interface BrokerPorts extends SecuredPorts {
  plaintext: number
  controller: number
}

// A fixed cluster id keeps the storage format step deterministic; each stack has its own data dir.
const CLUSTER_ID = 'ZXhhY3RseS1sb2NhbC0x0A'

/** `host`: the address the broker binds and advertises (the real node's bridge address, for pods). */
export function brokerProperties(
  dir: string,
  ports: BrokerPorts,
  host: string,
  security: Omit<KafkaSecurityInfo, 'saslSsl' | 'mtls'>,
): string {
  const secured = securedBrokerProperties(host, ports, security)
  const listeners = [`PLAINTEXT://${host}:${ports.plaintext}`, ...secured.listeners]
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=${host}:${ports.controller}`,
    `listeners=${[...listeners, `CONTROLLER://${host}:${ports.controller}`].join(',')}`,
    `advertised.listeners=${[...listeners, `CONTROLLER://${host}:${ports.controller}`].join(',')}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=${['CONTROLLER:PLAINTEXT', 'PLAINTEXT:PLAINTEXT', ...secured.protocols].join(',')}`,
    ...secured.lines,
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

export async function startKafka(
  dir: string,
  launch: Launch,
  host = '127.0.0.1',
  kept?: Omit<BrokerPorts, 'controller'>,
): Promise<KafkaBroker> {
  const libs = await componentDir('kafka')
  await mkdir(dir, { recursive: true })
  const ports: BrokerPorts = {
    plaintext: kept?.plaintext ?? (await freePort(host)),
    saslSsl: kept?.saslSsl ?? (await freePort(host)),
    mtls: kept?.mtls ?? (await freePort(host)),
    controller: await freePort(host),
  }
  const { fresh, ...tls } = await prepareKafkaSecurity(dir, host)
  // SCRAM users are created when the storage is formatted: storage formatted before they existed
  // (a `make up` stack from an older tree) is formatted again; a stack's data is disposable.
  if (fresh) await rm(join(dir, 'data'), { recursive: true, force: true })
  const props = join(dir, 'server.properties')
  const log4j = join(dir, 'log4j2.properties')
  await writeFile(props, brokerProperties(dir, ports, host, tls))
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
    ...scramFormatArgs(tls.passwords),
  ])
  await format.exited
  if (format.child.exitCode !== 0) throw new Error(`Cannot format Kafka storage in ${dir}:\n${format.tail()}`)

  const broker = launch('kafka', 'java', [...jvm, ...classpath, 'kafka.Kafka', props])
  const bootstrap = `${host}:${ports.plaintext}`
  await broker.waitUntil('accepting requests', () => brokerResponds(bootstrap), 90_000)
  const security = { ...tls, saslSsl: `${host}:${ports.saslSsl}`, mtls: `${host}:${ports.mtls}` }
  return { bootstrap, security, process: broker }
}

/**
 * Restarts the broker on the same port and data (for broker-restart tests): a clean restart, so
 * the broker gets up to 90 s for its controlled shutdown. On a loaded 2-core machine it can take
 * more than 20 s, and a SIGKILL then is a crash, a different test (see docs/testing.md).
 */
export async function restartKafka(dir: string, broker: KafkaBroker, launch: Launch): Promise<KafkaBroker> {
  await broker.process.stop(90_000)
  const [host, port] = broker.bootstrap.split(':')
  const portOf = (address: string) => Number(address.split(':')[1])
  return startKafka(dir, launch, host, {
    plaintext: Number(port),
    saslSsl: portOf(broker.security.saslSsl),
    mtls: portOf(broker.security.mtls),
  })
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
