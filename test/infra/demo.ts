/**
 * `make demo`, for now a short tour of the local stack the product will run on: a real
 * Kubernetes API with one node, a real Kafka broker and a real S3 server. (The exactly-once
 * job demo arrives with the runtime and the operator.) Exits non-zero if anything is off.
 * KEEP=1 leaves the stack up afterwards and says how to reach it.
 */
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { Kafka, logLevel } from 'kafkajs'
import { componentDir } from './components.ts'
import { killAllNow, startStack } from './stack.ts'

const run = promisify(execFile)
const say = (line: string) => process.stdout.write(`\n▶ ${line}\n`)
const show = (text: string) => process.stdout.write(`${text.trimEnd().replace(/^/gm, '    ')}\n`)
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`Demo check failed: ${what}`)
  process.stdout.write(`    ✓ ${what}\n`)
}

const keep = process.env.KEEP === '1'
const dir = join(tmpdir(), `exactly-demo-${Date.now()}`)
process.once('exit', () => {
  if (!keep) killAllNow()
})

say('Starting the local stack (first run builds/fetches components; later runs reuse the cache)')
const stack = await startStack({ dir, kafka: true, s3: true, kube: true, persistent: keep, progress: (l) => show(l) })
const { kube, kafka: broker, s3 } = stack.info
if (!kube || !broker || !s3) throw new Error('The stack is missing a component')
const kubectl = join(await componentDir('kubectl-helm'), 'kubectl')
const k = async (...args: string[]) => (await run(kubectl, ['--kubeconfig', kube.kubeconfig, ...args])).stdout

try {
  say('Kubernetes: the node agent registered one node')
  show(await k('get', 'nodes', '-o', 'wide'))

  say('Running a pod: the node agent runs its command as a local process with its own loopback IP')
  const manifest = join(dir, 'hello-pod.json')
  await writeFile(
    manifest,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'hello', namespace: 'default' },
      spec: {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'hello',
            image: 'exactly:dev',
            command: ['node', '-e', 'console.log("hello from " + process.env.POD_NAME + " at " + process.env.POD_IP)'],
            env: [
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            ],
          },
        ],
      },
    }),
  )
  show(await k('apply', '-f', manifest))
  let phase = ''
  for (let i = 0; i < 60 && phase !== 'Succeeded' && phase !== 'Failed'; i++) {
    await sleep(500)
    phase = await k('get', 'pod', 'hello', '-o', 'jsonpath={.status.phase}')
  }
  show(await k('get', 'pod', 'hello', '-o', 'wide'))
  const uid = await k('get', 'pod', 'hello', '-o', 'jsonpath={.metadata.uid}')
  show(`its output: ${(await readFile(join(dir, 'pods', `default_hello_${uid}`, 'hello.log'), 'utf8')).trim()}`)
  check(phase === 'Succeeded', 'the pod ran to completion')

  say('Kafka: one transaction committed, one aborted; a read_committed reader sees only the first')
  const kafka = new Kafka({ clientId: 'demo', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: 'demo', numPartitions: 1 }], waitForLeaders: true })
  await admin.disconnect()
  const producer = kafka.producer({ transactionalId: 'demo-txn', idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const committed = await producer.transaction()
  await committed.send({ topic: 'demo', messages: [{ value: 'kept-1' }, { value: 'kept-2' }] })
  await committed.commit()
  const aborted = await producer.transaction()
  await aborted.send({ topic: 'demo', messages: [{ value: 'dropped' }] })
  await aborted.abort()
  const marker = await producer.transaction()
  await marker.send({ topic: 'demo', messages: [{ value: 'end' }] })
  await marker.commit()
  await producer.disconnect()
  const seen: string[] = []
  const consumer = kafka.consumer({ groupId: 'demo-reader' })
  await consumer.connect()
  await consumer.subscribe({ topic: 'demo', fromBeginning: true })
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value?.toString() ?? '')
        if (seen.includes('end')) resolve()
      },
    })
  })
  await consumer.disconnect()
  show(`read_committed saw: ${seen.join(', ')}`)
  check(seen.join(',') === 'kept-1,kept-2,end', 'the aborted record is invisible')

  say('S3: a write-once object refuses a second writer (If-None-Match: *), as checkpoint manifests need')
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  })
  const put = (body: string) =>
    client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'demo/manifest', Body: body, IfNoneMatch: '*' })).then(
      () => 200,
      (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode ?? 0,
    )
  const first = await put('first')
  const second = await put('second')
  show(`first put: HTTP ${first}, second put: HTTP ${second}`)
  check(first === 200 && second === 412, 'only the first writer wins')

  say('Done.')
  if (keep) {
    show(`The stack stays up (stop it with: node test/infra/stack-cli.ts down --dir ${dir})`)
    show(`kubectl --kubeconfig ${kube.kubeconfig} get nodes`)
    show(`Kafka ${broker.bootstrap}   S3 ${s3.endpoint} (bucket ${s3.bucket})`)
  }
} finally {
  if (!keep) {
    say('Stopping the stack')
    await stack.stop()
  }
}
process.exit(0)
