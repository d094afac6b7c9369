/**
 * `make demo`: the whole system as a new user meets it, on a local stack of its own. It starts
 * Kafka, an S3 server and Kubernetes (a real kubelet runs pods as containers), installs the
 * operator with helm, applies examples/bank-transfers/streamjob.yaml with kubectl, feeds it bank
 * commands, kills a worker and then the leading operator with SIGKILL, narrates what the
 * StreamJob's status says meanwhile, and ends with `exactly verify`: every event exactly once,
 * and the balances add up. Exits non-zero if anything is off.
 *
 *   DEMO_SEED=<n>  replay the input of an earlier run (the seed is printed)
 *   DEMO_KEEP=1    leave the stack up in .stack afterwards (make status, make down)
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { componentDir } from '../components.ts'
import { applyStreamJobs, kubeTools } from '../kubectl.ts'
import { startStack } from '../stack.ts'
import { waitFor } from '../wait.ts'
import { chaos as makeChaos } from './chaos.ts'
import { startCommandFeed } from './command-feed.ts'
import { startEventCounter } from './event-counter.ts'
import { installOperator, OPERATOR_NAMESPACE } from './install-operator.ts'
import { isReady, watchJob } from './job-watch.ts'
import { killOperatorScene } from './kill-operator.ts'
import { killWorkerScene } from './kill-worker.ts'
import {
  cleanUp,
  dropData,
  handleInterrupts,
  interrupted,
  onCleanup,
  prepareStackDir,
  quietKafkajsWarning,
} from './lifecycle.ts'
import { localManifest, MANIFEST_PATH } from './manifest.ts'
import * as say from './narrator.ts'
import { prepareNamespace } from './prepare-namespace.ts'
import { startProgress } from './progress.ts'
import { runVerify } from './run-verify.ts'
import { findProblems, formatSummary } from './summary.ts'
import { createTopics } from './topics.ts'

const COMMANDS = 30_000
const ACCOUNTS = 100
const PER_SECOND = 300
const PARTITIONS = 3
const NAMESPACE = 'bank'
/** The slot whose worker gets killed. */
const VICTIM_SLOT = 1

const keep = process.env.DEMO_KEEP === '1'
const seed = process.env.DEMO_SEED ? Number(process.env.DEMO_SEED) : Math.floor(Math.random() * 1_000_000)
if (!Number.isSafeInteger(seed) || seed < 0) {
  process.stderr.write(`DEMO_SEED must be a whole number ≥ 0, not "${process.env.DEMO_SEED}"\n`)
  process.exit(2)
}

quietKafkajsWarning()
handleInterrupts(keep, (line) => say.event(line))
process.stdout.write(
  `exactly demo · seed ${seed} (DEMO_SEED=${seed} make demo replays this input)${keep ? ' · DEMO_KEEP=1: the stack stays up' : ''}\n`,
)
say.planSteps(8)
let dir = ''
let succeeded = false
try {
  await demo()
  succeeded = true
} catch (error) {
  if (!interrupted()) say.problem((error as Error).message)
} finally {
  await cleanUp()
  if (dir) {
    if (succeeded && !keep) dropData(dir)
    say.note(`Logs of this run: ${dir}/logs (components) and ${dir}/pods (one directory per pod)`)
  }
}
process.exit(succeeded ? 0 : 1)

async function demo(): Promise<void> {
  // 1. The stack.
  say.step('Starting the local stack: Kafka, an S3 server, a Kubernetes API and one node')
  dir = await prepareStackDir(keep, say.note)
  say.note(`(in ${dir}; the first run builds or fetches the components, later runs reuse them)`)
  const stack = await startStack({ dir, kafka: true, s3: true, kube: true, persistent: keep, progress: say.note })
  onCleanup(async () => {
    if (keep) return printHowToReach(stack.info.kube?.kubeconfig ?? '')
    say.event('Stopping the stack')
    await stack.stop()
  })
  const { kafka, s3, kube } = stack.info
  if (!kafka || !s3 || !kube) throw new Error('The stack came up without Kafka, S3 or Kubernetes')
  const tools = await kubeTools({ stateDir: dir, kubeconfig: kube.kubeconfig })
  const chaos = makeChaos(kube.kubeconfig)
  say.note(
    `Every pod runs as a container of ${kube.image} (the Dockerfile, built here) under a real kubelet and containerd, in its own network namespace on a bridge at ${stack.info.host}.`,
  )

  // 2. The operator.
  say.step('Installing the operator with Helm')
  await installOperator(tools, chaos)

  // 3. Topics, namespace, credentials.
  const manifest = localManifest(kafka, s3)
  const topics = [manifest.commandsTopic, manifest.creditsTopic, manifest.eventsTopic]
  say.step('Creating the topics, a namespace and the S3 credentials')
  await createTopics(kafka.bootstrap, topics, PARTITIONS)
  say.note(`Topics ${topics.join(', ')}: ${PARTITIONS} partitions each, on the broker at ${kafka.bootstrap}.`)
  await prepareNamespace(tools, NAMESPACE, manifest.secretName, s3)

  // 4. The job, and its input.
  say.step(`Applying ${MANIFEST_PATH} (parallelism ${manifest.parallelism})`)
  say.note('The file as a user would apply it; the demo only points its addresses at the local stack:')
  for (const change of manifest.changes) say.note(`  ${change}`)
  say.ran(
    `kubectl -n ${NAMESPACE} apply -f ${MANIFEST_PATH}`,
    await applyStreamJobs(tools, manifest.yaml, ['-n', NAMESPACE]),
  )
  say.note(
    `Producing ${say.count(COMMANDS)} bank commands (deposits and transfers among ${ACCOUNTS} accounts, seed ${seed}) to ${manifest.commandsTopic} at ${PER_SECOND}/s, in the background.`,
  )
  say.note("From here on, whenever the StreamJob's status changes: `kubectl get sj` and the conditions that changed.")
  const watch = watchJob(tools, NAMESPACE, manifest.name)
  onCleanup(() => watch.stop())
  const feed = startCommandFeed({
    bootstrap: kafka.bootstrap,
    topic: manifest.commandsTopic,
    seed,
    count: COMMANDS,
    accounts: ACCOUNTS,
    perSecond: PER_SECOND,
  })
  onCleanup(() => feed.stop())
  const events = await startEventCounter(kafka.bootstrap, manifest.eventsTopic)
  onCleanup(() => events.stop())
  const progress = startProgress(feed, events)
  onCleanup(async () => progress.stop())
  await watch.until(
    'the job is Running, Ready, and every worker has completed a checkpoint',
    (job) => (isReady(job) && job.status?.lastCheckpoint ? true : undefined),
    180_000,
  )
  say.ok(`Ready: ${manifest.parallelism} workers run and checkpoint to S3; output is committed at each checkpoint.`)
  say.ran(
    `kubectl -n ${NAMESPACE} get pods -o wide`,
    await tools.kubectl(['-n', NAMESPACE, 'get', 'pods', '-o', 'wide']),
  )

  // 5. A worker dies.
  await waitFor('a quarter of the input is produced', async () => feed.produced >= COMMANDS / 4 || undefined, 120_000)
  say.step(`Killing a worker: SIGKILL to the process of slot ${VICTIM_SLOT}`)
  const worker = await killWorkerScene({ tools, chaos, watch, namespace: NAMESPACE, slot: VICTIM_SLOT })

  // 6. The leading operator dies.
  await sleep(5000)
  say.step('Killing the leading operator: SIGKILL to the process of the Lease holder')
  const operator = await killOperatorScene({ tools, chaos, watch, namespace: OPERATOR_NAMESPACE })

  // 7. The rest of the input, until the job is quiet.
  say.step('Waiting for the last commands and for the job to catch up')
  await feed.done
  say.event(`all ${say.count(feed.total)} commands produced`)
  say.note(
    `The job is done when ${say.count(feed.expectedEvents)} events are committed (one per deposit; a debit and a credit per transfer, the credit once it has gone around through ${manifest.creditsTopic}) and no worker lags.`,
  )
  await waitFor(
    'every event is committed and no worker lags',
    async () =>
      (events.committed >= feed.expectedEvents && (watch.job?.status?.workers ?? []).every((w) => w.lag === 0)) ||
      undefined,
    180_000,
  )
  progress.stop()
  say.ok(`${say.count(events.committed)} events committed; no worker lags.`)

  // 8. The audit.
  say.step('Auditing the output with exactly verify')
  say.note('It reads both topics with read_committed and checks every event against an independent model of the job.')
  const verify = await runVerify(kafka.bootstrap, manifest.commandsTopic, manifest.eventsTopic)
  say.ran(verify.commandLine, verify.stdout || verify.stderr)
  const results = {
    seed,
    commands: feed.total,
    deposited: feed.deposited,
    verify,
    job: watch.job,
    worker,
    operator,
    wallMs: say.elapsedMs(),
  }
  process.stdout.write(`\n${formatSummary(results)}\n\n`)
  const problems = findProblems(results)
  if (problems.length > 0) throw new Error(`Something is off: ${problems.join('; ')}`)
  say.ok('Every event exactly once, through a killed worker and a killed operator.')
}

async function printHowToReach(kubeconfig: string): Promise<void> {
  say.event('The stack stays up (DEMO_KEEP=1). To look around:')
  say.command(`export PATH=${await componentDir('kubectl-helm')}:$PATH   # kubectl and helm`)
  say.command(`export KUBECONFIG=${kubeconfig}`)
  say.command('kubectl get sj -A')
  say.command(`kubectl -n ${NAMESPACE} describe sj bank-transfers`)
  say.command('make status    # Kafka and S3 addresses')
  say.command('make down      # stop it')
}
