/**
 * What tests and failure messages read of a pod on the real node, from the node's own files:
 * the host pid of a container's first process (to SIGKILL it, as a crash would) and the lines
 * its containers printed (the kubelet's CRI logs: `<time> <stream> <F|P> <text>`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { V1Pod } from '@kubernetes/client-node'
import { NODE_PATHS } from './paths.ts'

const TASKS = join(NODE_PATHS.containerdState, 'io.containerd.runtime.v2.task', 'k8s.io')

/** The host pid of the pod's first container's main process, while it runs. */
export function containerPid(pod: V1Pod, container?: string): number | undefined {
  const statuses = pod.status?.containerStatuses ?? []
  const status = container ? statuses.find((s) => s.name === container) : statuses[0]
  const id = status?.containerID?.replace(/^containerd:\/\//, '')
  if (!id || !status?.state?.running) return undefined
  const file = join(TASKS, id, 'init.pid')
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined
}

/** The text of CRI log lines, with partial lines (P) joined to the line that ends them (F). */
export function criLogText(raw: string): string[] {
  const lines: string[] = []
  let partial = ''
  for (const line of raw.split('\n')) {
    const match = /^\S+ (?:stdout|stderr) ([FP]) ?(.*)$/.exec(line)
    if (!match) continue
    partial += match[2]
    if (match[1] === 'F') {
      lines.push(partial)
      partial = ''
    }
  }
  if (partial) lines.push(partial)
  return lines
}

/** Every line one container of one pod incarnation (`uid`) printed, over its restarts. */
export function podLogLines(namespace: string, pod: string, uid: string, container: string): string[] {
  const dir = join(NODE_PATHS.podLogs, `${namespace}_${pod}_${uid}`, container)
  return existsSync(dir) ? containerLogText(dir) : []
}

function containerLogText(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10))
    .flatMap((f) => criLogText(readFileSync(join(dir, f), 'utf8')))
}

/**
 * The last `lines` lines each container of `namespace` printed (only pod `pod`, only container
 * `container` when named), under a `--- <pod directory>/<container>` line each: for failure
 * messages. The kubelet removes a pod's logs with the pod.
 */
export function tailContainerLogs(
  namespace: string,
  options: { pod?: string; container?: string; lines?: number } = {},
): string {
  const root = NODE_PATHS.podLogs
  if (!existsSync(root)) return '(no pod logs)'
  const prefix = options.pod === undefined ? `${namespace}_` : `${namespace}_${options.pod}_`
  const out: string[] = []
  for (const podDir of readdirSync(root).filter((d) => d.startsWith(prefix))) {
    const containers = readdirSync(join(root, podDir)).filter((c) => !options.container || c === options.container)
    for (const container of containers) {
      const text = containerLogText(join(root, podDir, container))
      out.push(`--- ${podDir}/${container}\n${text.slice(-(options.lines ?? 15)).join('\n')}`)
    }
  }
  return out.length > 0 ? out.join('\n') : `(no logs of ${options.pod ?? 'any pod'} in ${namespace})`
}
