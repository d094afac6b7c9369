/**
 * `make dev JOB=./my-job`: your own job project (examples/starter's shape: package.json with its
 * dependencies and lock, src/job.ts, a Dockerfile FROM the exactly image) running on the local
 * stack in one command. The stack is started if it is not up, the operator installed with helm if
 * it is not, the job's image built with buildah FROM this tree's image and imported into the
 * node's containerd, its topics created, its StreamJob written next to the stack and applied with
 * kubectl, and its status followed until it runs (and on, until Ctrl-C, without --no-follow).
 *
 * usage: node stack/dev/dev-job.ts DIR [--name N] [--module /job/src/job.ts] [--input T] [--output T]
 *          [--partitions 4] [--parallelism 2] [--config JSON] [--namespace dev] [--no-follow] [--skip-operator]
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import type { StreamJob } from '../../operator/api/streamjob-types.ts'
import { fromRepo, INSTALL_OPERATOR, OPERATOR_NAMESPACE, RELEASE } from '../demo/install-operator.ts'
import { kubeTools } from '../kubectl.ts'
import { importImage } from '../real-node/containerd.ts'
import { REPO_ROOT } from '../repo-root.ts'
import { runChecked } from '../run-command.ts'
import { readStackInfo, stackIsUp } from '../stack.ts'
import { writeStackWrappers } from '../stack-wrappers.ts'
import { createNamedTopic, kafkaFor } from '../topics.ts'
import { devJobName, devStreamJob } from './dev-manifest.ts'

const say = (line: string) => process.stdout.write(`[dev] ${line}\n`)
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    module: { type: 'string', default: '/job/src/job.ts' },
    input: { type: 'string' },
    output: { type: 'string' },
    partitions: { type: 'string', default: '4' },
    parallelism: { type: 'string', default: '2' },
    config: { type: 'string' },
    namespace: { type: 'string', default: 'dev' },
    'no-follow': { type: 'boolean' },
    /** An operator already watches the namespace (installed some other way): do not helm install one. */
    'skip-operator': { type: 'boolean' },
  },
})
if (positionals.length !== 1) {
  console.error('usage: make dev JOB=./my-job   (node stack/dev/dev-job.ts DIR [--name N] [--input T] [--output T] …)')
  process.exit(2)
}
const project = resolve(positionals[0]!)
const packageName = (() => {
  try {
    return (JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { name?: string }).name
  } catch {
    return undefined
  }
})()
const name = devJobName(values.name ?? packageName ?? basename(project))
const namespace = values.namespace!
const input = values.input ?? `${name}-in`
const output = values.output ?? `${name}-out`
const config = values.config === undefined ? undefined : (JSON.parse(values.config) as unknown)

const stackDir = process.env.EXACTLY_STACK_DIR ?? join(REPO_ROOT, '.stack')
if (!stackIsUp(stackDir)) {
  say(`no stack is up in ${stackDir}: starting one (make up)`)
  const up = spawnSync(process.execPath, [join(REPO_ROOT, 'stack/stack-cli.ts'), 'up', '--dir', stackDir], {
    stdio: 'inherit',
  })
  if (up.status !== 0)
    throw new Error(`Cannot start the stack in ${stackDir} (exit ${up.status}); see its output above`)
}
const info = readStackInfo(stackDir)
if (!info?.kafka || !info.s3 || !info.kube) throw new Error(`The stack in ${stackDir} lacks Kafka, S3 or Kubernetes`)
const { kafka, s3, kube } = info
const tools = await kubeTools({ stateDir: join(stackDir, 'kube-tools'), kubeconfig: kube.kubeconfig })

if (
  !values['skip-operator'] &&
  !(await tools.helm(['status', RELEASE, '-n', OPERATOR_NAMESPACE]).then(
    () => true,
    () => false,
  ))
) {
  say(`installing the operator: helm ${INSTALL_OPERATOR.join(' ')} (waits for its pods)`)
  await tools.helm(fromRepo(INSTALL_OPERATOR))
}

say(`building ${project}/Dockerfile FROM this tree's exactly image (buildah; npm ci runs inside)`)
const built = await runChecked('bash', [join(REPO_ROOT, 'stack/install/image.sh'), 'job', project, name], {
  timeoutMs: 15 * 60_000,
})
const [image = '', archive = ''] = built.trim().split('\n').slice(-2)
await importImage(image, archive)
say(`image ${image} is in the node's containerd`)

const admin = kafkaFor(kafka.bootstrap, 'exactly-dev').admin()
await admin.connect()
const existing = new Set(await admin.listTopics())
await admin.disconnect()
for (const topic of [input, output]) {
  if (existing.has(topic)) continue
  await createNamedTopic(kafkaFor(kafka.bootstrap, 'exactly-dev'), topic, Number(values.partitions))
  say(`topic ${topic} created with ${values.partitions} partitions`)
}

// The namespace and the S3 credentials Secret, applied (so a second run changes nothing); the
// Secret goes to kubectl on stdin, never into a file or this output.
const secretName = 'dev-s3-credentials'
await tools.kubectl(
  ['apply', '-f', '-'],
  JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }),
)
await tools.kubectl(
  ['apply', '-f', '-'],
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName, namespace },
    stringData: { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey },
  }),
)
const manifest = join(stackDir, 'dev', `${name}.yaml`)
mkdirSync(join(stackDir, 'dev'), { recursive: true })
writeFileSync(
  manifest,
  devStreamJob({
    name,
    namespace,
    image,
    module: values.module!,
    config,
    input,
    output,
    parallelism: Number(values.parallelism),
    bootstrap: kafka.bootstrap,
    s3,
    secretName,
  }),
)
say(`kubectl apply -f ${manifest}`)
process.stdout.write(await tools.kubectl(['apply', '-f', manifest]))

const bin = await writeStackWrappers(info)
const nextSteps = [
  `export PATH=${bin}:$PATH`,
  `printf 'some-key\\thello\\n' | topics produce ${input}     # key<TAB>value per line`,
  `topics consume ${output}                              # what a read_committed consumer sees`,
  `kubectl -n ${namespace} get sj ${name} -w; kubectl -n ${namespace} describe sj ${name}`,
  `exactly verify --bootstrap ${kafka.bootstrap} --job ${join(project, 'src/job.ts')} --input ${input} --output ${output}`,
  `kubectl -n ${namespace} delete sj ${name}                 # stops it cleanly and deletes its checkpoints`,
]

let shown = ''
let ready = false
const started = Date.now()
for (;;) {
  const job = JSON.parse(await tools.kubectl(['-n', namespace, 'get', 'sj', name, '-o', 'json'])) as StreamJob
  const conditions = (job.status?.conditions ?? [])
    .filter((c) => c.type === 'Ready' || c.type === 'Degraded' || c.type === 'Progressing')
    .map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`)
  const line = `${job.status?.phase ?? 'Pending'}; ${conditions.join('; ')}`
  if (line !== shown) say(`status: ${line}`)
  shown = line
  if (
    !ready &&
    job.status?.phase === 'Running' &&
    job.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
  ) {
    ready = true
    say(`${name} runs (${((Date.now() - started) / 1000).toFixed(0)} s after apply). Next:`)
    for (const step of nextSteps) process.stdout.write(`  ${step}\n`)
    if (values['no-follow']) break
    say('following its status (Ctrl-C stops following; the job keeps running)')
  }
  if (job.status?.phase === 'Failed' && values['no-follow']) process.exit(1)
  await sleep(1000)
}
