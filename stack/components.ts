/**
 * Where the real components live. Each one is installed by a script in `install/`, which
 * builds or fetches it once into the cache (outside the clone, keyed by version) and prints
 * the directory that holds it. Calling the script is cheap when the cache is warm.
 */
import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const installDir = join(dirname(fileURLToPath(import.meta.url)), 'install')

export type Component = 'kafka' | 'etcd' | 'kube' | 'seaweedfs' | 'kubectl-helm' | 'node'

const resolved = new Map<Component, Promise<string>>()

/** Installs `component` if needed and returns the directory holding its binaries or jars. */
export function componentDir(component: Component): Promise<string> {
  let found = resolved.get(component)
  if (!found) {
    found = install(component)
    resolved.set(component, found)
  }
  return found
}

async function install(component: Component): Promise<string> {
  const script = join(installDir, `${component}.sh`)
  try {
    // Builds can take minutes on a cold cache; their progress goes to stderr, which we pass on.
    const { stdout } = await run('bash', [script], { maxBuffer: 16 * 1024 * 1024, timeout: 60 * 60_000 })
    const dir = stdout.trim().split('\n').at(-1)
    if (!dir) throw new Error(`Cannot find ${component}: ${script} printed no directory`)
    return dir
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim().split('\n').slice(-15).join('\n') ?? ''
    throw new Error(`Cannot install ${component} with ${script}:\n${detail}`, { cause: error })
  }
}
