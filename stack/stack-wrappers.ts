/**
 * Commands bound to a running local stack, written into `<stack dir>/bin` by `make up` and
 * `make status`: kubectl and helm with the stack's kubeconfig, `exactly` (the checkout's CLI,
 * with the stack's S3 credentials) and `topics` (list, create, produce, consume on the stack's
 * broker: stack/topics-cli.ts). One line puts them on PATH:
 *   export PATH=<stack dir>/bin:$PATH
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { componentDir } from './components.ts'
import { REPO_ROOT } from './repo-root.ts'
import type { StackInfo } from './stack.ts'

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`

export async function writeStackWrappers(info: StackInfo): Promise<string> {
  const bin = join(info.dir, 'bin')
  mkdirSync(bin, { recursive: true })
  const write = (name: string, lines: string[]) => {
    const path = join(bin, name)
    writeFileSync(
      path,
      ['#!/bin/sh', `# ${name} against the local stack in ${info.dir} (stack/stack-wrappers.ts)`, ...lines, ''].join(
        '\n',
      ),
    )
    chmodSync(path, 0o755)
  }
  if (info.kube) {
    const tools = await componentDir('kubectl-helm')
    const kubeconfig = quote(info.kube.kubeconfig)
    write('kubectl', [`exec ${quote(join(tools, 'kubectl'))} --kubeconfig ${kubeconfig} "$@"`])
    write('helm', [`KUBECONFIG=${kubeconfig} exec ${quote(join(tools, 'helm'))} "$@"`])
  }
  const s3 = info.s3
  write('exactly', [
    ...(s3
      ? [`export AWS_ACCESS_KEY_ID=${quote(s3.accessKeyId)} AWS_SECRET_ACCESS_KEY=${quote(s3.secretAccessKey)}`]
      : []),
    `exec ${quote(process.execPath)} ${quote(join(REPO_ROOT, 'runtime', 'cli', 'exactly.ts'))} "$@"`,
  ])
  write('topics', [
    `EXACTLY_STACK_DIR=${quote(info.dir)} exec ${quote(process.execPath)} ${quote(join(REPO_ROOT, 'stack', 'topics-cli.ts'))} "$@"`,
  ])
  return bin
}
