/**
 * Where the node agent keeps what each pod's container printed, since there is no `kubectl
 * logs` here: `<podsDir>/<namespace>_<pod>_<uid>/<container>.log`, with `<podsDir>` the stack's
 * `pods/`. The logs stay after the pod is gone, for a look at what a killed pod said.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The directory of one pod's logs (and of its kubeconfig, its HOME). */
export function podDir(podsDir: string, namespace: string, pod: string, uid: string): string {
  return join(podsDir, `${namespace}_${pod}_${uid}`)
}

/** The pods directory of the stack in `stackDir`. */
export function stackPodsDir(stackDir: string): string {
  return join(stackDir, 'pods')
}

/** Every line of one container's log (none when it has not logged). */
export function podLogLines(podsDir: string, namespace: string, pod: string, uid: string, container: string): string[] {
  const file = join(podDir(podsDir, namespace, pod, uid), `${container}.log`)
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n') : []
}

/**
 * The last `lines` lines of the logs of the pod `pod` of `namespace` (of every pod there when
 * absent; all of its incarnations, one per uid), under a `--- <directory>` line each: for
 * failure messages. Only the `container`'s log when one is named.
 */
export function tailPodLogs(
  podsDir: string,
  namespace: string,
  options: { pod?: string; container?: string; lines?: number } = {},
): string {
  if (!existsSync(podsDir)) return '(no pod logs)'
  const tail = (file: string) =>
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .slice(-(options.lines ?? 15))
      .join('\n')
  return readdirSync(podsDir)
    .filter((d) => d.startsWith(options.pod === undefined ? `${namespace}_` : `${namespace}_${options.pod}_`))
    .map((d) => {
      const dir = join(podsDir, d)
      const files = options.container
        ? [`${options.container}.log`].filter((f) => existsSync(join(dir, f)))
        : readdirSync(dir).filter((f) => f.endsWith('.log'))
      return `--- ${d}\n${files.map((f) => tail(join(dir, f))).join('\n')}`
    })
    .join('\n')
}
