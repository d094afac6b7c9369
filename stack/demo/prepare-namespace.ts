/** The job's namespace and its S3 credentials Secret, made with kubectl as a user would. */
import { setTimeout as sleep } from 'node:timers/promises'
import type { StackInfo } from '../stack.ts'
import type { CliTools } from './cli-tools.ts'
import { ran } from './narrator.ts'

export async function prepareNamespace(
  tools: CliTools,
  namespace: string,
  secretName: string,
  s3: NonNullable<StackInfo['s3']>,
): Promise<void> {
  ran(`kubectl create namespace ${namespace}`, await tools.kubectl(['create', 'namespace', namespace]))
  // Pods need the namespace's "default" ServiceAccount, which the controller-manager creates.
  for (let i = 0; ; i++) {
    const found = await tools
      .kubectl(['-n', namespace, 'get', 'serviceaccount', 'default', '-o', 'name'])
      .catch(() => '')
    if (found.trim()) break
    if (i >= 60) throw new Error(`The ServiceAccount ${namespace}/default did not appear within 30 s`)
    await sleep(500)
  }
  const literal = (key: string, value: string) => `--from-literal=${key}=${value}`
  ran(
    `kubectl -n ${namespace} create secret generic ${secretName} ${literal('AWS_ACCESS_KEY_ID', s3.accessKeyId)} ${literal('AWS_SECRET_ACCESS_KEY', '…')}`,
    await tools.kubectl([
      '-n',
      namespace,
      'create',
      'secret',
      'generic',
      secretName,
      literal('AWS_ACCESS_KEY_ID', s3.accessKeyId),
      literal('AWS_SECRET_ACCESS_KEY', s3.secretAccessKey),
    ]),
  )
}
