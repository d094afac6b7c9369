/** The job's namespace and its S3 credentials Secret, made with kubectl as a user would. */

import type { KubeTools } from '../kubectl.ts'
import type { StackInfo } from '../stack.ts'
import { waitFor } from '../wait.ts'
import { ran } from './narrator.ts'

export async function prepareNamespace(
  tools: KubeTools,
  namespace: string,
  secretName: string,
  s3: NonNullable<StackInfo['s3']>,
): Promise<void> {
  ran(`kubectl create namespace ${namespace}`, await tools.kubectl(['create', 'namespace', namespace]))
  // Pods need the namespace's "default" ServiceAccount, which the controller-manager creates.
  await waitFor(
    `the ServiceAccount ${namespace}/default exists`,
    async () =>
      (await tools.kubectl(['-n', namespace, 'get', 'serviceaccount', 'default', '-o', 'name'])).trim() || undefined,
    30_000,
    { intervalMs: 500 },
  )
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
