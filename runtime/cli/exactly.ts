#!/usr/bin/env node
/**
 * The `exactly` command. Subcommands arrive with the parts that implement them; only the ones
 * listed in HELP exist today. Each is imported lazily, so `exactly help` loads no client.
 */
import { readFileSync } from 'node:fs'
import { enableCompileCache } from 'node:module'
import { EXIT_STOPPED } from '../../contract/exit-codes.ts'
import { exitOnStopWhileLoading } from './stop-while-loading.ts'

// V8's compiled code of the modules a command loads, kept between runs (NODE_COMPILE_CACHE, or
// Node's default under the temporary directory; in the image, made when it is built): the worker
// loads in half the time, and loading is most of a restart (docs/performance.md).
enableCompileCache()

const HELP = `exactly: Kafka-to-Kafka stateful jobs with exactly-once results

usage: exactly <command>

commands:
  operator  run the StreamJob controller (KUBECONFIG or in-cluster; see charts/exactly)
  worker    run one slot of a StreamJob (config: EXACTLY_WORKER_CONFIG or --config FILE; docs/worker.md)
  recover   close a generation: commit, fence, write a restore point (EXACTLY_RECOVER_CONFIG)
  checkpoints  list a job's checkpoints in S3, inspect one, or gc (exactly checkpoints --help)
  crd apply    put the chart's StreamJob CRD in place (the chart's pre-upgrade hook)
  verify    audit a job's output against its input: an example's model or your module replayed (exactly verify --help)
  version   print the version
  help      print this help
`

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

const [command = 'help', ...rest] = process.argv.slice(2)
switch (command) {
  case 'operator': {
    const handOver = exitOnStopWhileLoading('operator', 0)
    const { runOperator } = await import('../../operator/main.ts')
    process.exit(await runOperator(process.env, handOver))
    break
  }
  case 'worker': {
    const handOver = exitOnStopWhileLoading('worker', EXIT_STOPPED)
    // Imported lazily so `exactly help` does not load Kafka and S3 clients.
    const { runWorker } = await import('../worker/worker.ts')
    // Exit explicitly: client sockets and timers must not keep a finished worker alive.
    process.exit(await runWorker(rest, process.env, handOver))
    break
  }
  case 'recover': {
    const { runRecover } = await import('./recover.ts')
    process.exit(await runRecover(rest, process.env))
    break
  }
  case 'checkpoints': {
    const { runCheckpoints, CHECKPOINTS_USAGE } = await import('./checkpoints.ts')
    if (rest.includes('--help')) {
      process.stdout.write(CHECKPOINTS_USAGE)
      break
    }
    process.exit(await runCheckpoints(rest, process.env))
    break
  }
  case 'crd': {
    const { runCrdApply } = await import('../../operator/crd-apply.ts')
    if (rest[0] !== 'apply') {
      process.stderr.write('exactly crd: the only subcommand is "apply"\n')
      process.exit(2)
    }
    process.exit(await runCrdApply(rest.slice(1), process.env))
    break
  }
  case 'verify': {
    const { runVerify, VERIFY_USAGE } = await import('./verify.ts')
    if (rest.includes('--help')) {
      process.stdout.write(VERIFY_USAGE)
      break
    }
    process.exit(await runVerify(rest))
    break
  }
  case 'version':
  case '--version':
    process.stdout.write(`exactly ${version()}\n`)
    break
  case 'help':
  case '--help':
  case '-h':
    process.stdout.write(HELP)
    break
  default:
    process.stderr.write(`exactly: unknown command "${command}"; run 'exactly help' for the list\n`)
    process.exit(2)
}
