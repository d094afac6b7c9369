/**
 * `make up` / `make down`: start the local stack in the background and say how to reach it,
 * or stop it. usage: node stack/stack-cli.ts up|down|status [--dir D] [--only kafka,s3,kube]
 */
import { rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { REPO_ROOT } from './repo-root.ts'
import { readStackInfo, type StackInfo, stackIsUp, startStack, stopStackDir } from './stack.ts'
import { writeStackWrappers } from './stack-wrappers.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { dir: { type: 'string' }, only: { type: 'string' } },
})
const command = positionals[0] ?? 'status'
const dir = resolve(values.dir ?? `${REPO_ROOT}/.stack`)
const say = (line: string) => process.stdout.write(`[stack] ${line}\n`)

async function describe(info: StackInfo): Promise<string> {
  const bin = await writeStackWrappers(info)
  const lines = [`stack directory: ${info.dir} (logs in ${info.dir}/logs)`]
  if (info.kube) {
    lines.push(`Kubernetes:  kubectl --kubeconfig ${info.kube.kubeconfig} get nodes   (node ${info.kube.nodeName})`)
  }
  if (info.kafka) lines.push(`Kafka:       bootstrap ${info.kafka.bootstrap}`)
  if (info.s3) {
    lines.push(
      `S3:          endpoint ${info.s3.endpoint} bucket ${info.s3.bucket} region ${info.s3.region}`,
      `             AWS_ACCESS_KEY_ID=${info.s3.accessKeyId} AWS_SECRET_ACCESS_KEY=${info.s3.secretAccessKey}`,
    )
  }
  lines.push(
    `Commands:    export PATH=${bin}:$PATH   # kubectl, helm (the stack's kubeconfig), exactly (its S3 credentials), topics`,
    `             e.g. kubectl get sj -A; exactly checkpoints --storage <status.storagePath> --endpoint ${info.s3?.endpoint ?? '<S3 endpoint>'}`,
    "             topics list | create NAME --partitions 4 | produce NAME < lines | consume NAME   (the stack's broker)",
    '             make dev JOB=./my-job   # your job (its own project, examples/starter) built, deployed and followed',
  )
  return lines.join('\n')
}

switch (command) {
  case 'up': {
    if (stackIsUp(dir)) {
      say(`a stack is already up in ${dir}; run 'make down' first`)
      process.exit(1)
    }
    if (readStackInfo(dir)) await stopStackDir(dir)
    // Empty state each time: a stopped stack's etcd, broker and S3 data would bring back its
    // namespaces, jobs and operators (a killed test run's kept reconciling hours later).
    rmSync(dir, { recursive: true, force: true })
    const only = new Set((values.only ?? 'kafka,s3,kube').split(','))
    const stack = await startStack({
      dir,
      persistent: true,
      kafka: only.has('kafka'),
      s3: only.has('s3'),
      kube: only.has('kube'),
      progress: say,
    })
    say('up. Stop it with: make down')
    process.stdout.write(`${await describe(stack.info)}\n`)
    // The processes run in their own groups and outlive this one.
    process.exit(0)
    break
  }
  case 'down': {
    const stopped = await stopStackDir(dir)
    say(stopped ? `stopped ${stopped} processes` : 'no stack was running')
    break
  }
  case 'status': {
    const info = readStackInfo(dir)
    if (!info) {
      say('no stack is up (make up starts one)')
      process.exit(1)
    }
    process.stdout.write(`${await describe(info)}\n`)
    break
  }
  default:
    console.error(`Unknown command "${command}": use up, down or status`)
    process.exit(2)
}
