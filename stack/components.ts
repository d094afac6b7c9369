/**
 * Where the real components live. Each one is installed by a script in `install/`, which
 * builds or fetches it once into the cache (outside the clone, keyed by version) and prints
 * the directory that holds it. Calling the script is cheap when the cache is warm.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runCommand } from './run-command.ts'

const installDir = join(dirname(fileURLToPath(import.meta.url)), 'install')

export type Component =
  | 'kafka'
  | 'etcd'
  | 'kube'
  | 'kube-node'
  | 'seaweedfs'
  | 'kubectl-helm'
  | 'node'
  /** Prometheus' rule checker, for the chart's alerts (test/integration/chart/alert-rules.it.test.ts). */
  | 'promtool'

/** Installs `component` if needed and returns the directory holding its binaries or jars. */
export function componentDir(component: Component): Promise<string> {
  // Builds can take many minutes on a cold cache (kube, seaweedfs on 2 cores).
  return installOnce(join(installDir, `${component}.sh`), component, 60 * 60_000)
}

const installs = new Map<string, Promise<string>>()

/**
 * Runs the install script `script` (bash, in the style of `install/`) once per process and
 * returns the last line it printed: the directory. `what` names it in errors.
 */
export function installOnce(script: string, what: string, timeoutMs: number): Promise<string> {
  let found = installs.get(script)
  if (!found) {
    found = install(script, what, timeoutMs)
    installs.set(script, found)
    // A failed install may be retried by the next call (e.g. after fixing the network).
    found.catch(() => installs.delete(script))
  }
  return found
}

async function install(script: string, what: string, timeoutMs: number): Promise<string> {
  const result = await runCommand('bash', [script], { timeoutMs }).catch((error: Error) => {
    throw new Error(`Cannot install ${what} with ${script}:\n${error.message}`, { cause: error })
  })
  if (result.code !== 0) {
    const detail = result.stderr.trim().split('\n').slice(-15).join('\n')
    const how = result.timedOut ? `(stopped after ${timeoutMs} ms) ` : ''
    throw new Error(`Cannot install ${what} with ${script}:\n${how}${detail}`)
  }
  const dir = result.stdout.trim().split('\n').at(-1)
  if (!dir) throw new Error(`Cannot install ${what}: ${script} printed no directory`)
  return dir
}
