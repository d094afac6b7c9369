/**
 * kubectl and helm, the real binaries (stack/install/kubectl-helm.sh), pointed at the demo's
 * kubeconfig. Their caches and config live in the stack directory, not in the user's home.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { componentDir } from '../components.ts'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export interface CliTools {
  kubeconfig: string
  /** The directory holding the kubectl and helm binaries. */
  bin: string
  /** kubectl; throws with its stderr when it exits non-zero. */
  kubectl(args: string[], input?: string): Promise<string>
  /** helm; throws with its output when it exits non-zero. */
  helm(args: string[]): Promise<string>
}

export async function cliTools(stackDir: string, kubeconfig: string): Promise<CliTools> {
  const bin = await componentDir('kubectl-helm')
  const env = {
    ...process.env,
    KUBECONFIG: kubeconfig,
    HELM_CACHE_HOME: join(stackDir, 'helm', 'cache'),
    HELM_CONFIG_HOME: join(stackDir, 'helm', 'config'),
    HELM_DATA_HOME: join(stackDir, 'helm', 'data'),
  }
  const checked = async (name: string, args: string[], input?: string) => {
    const result = await run(join(bin, name), args, env, input)
    if (result.code !== 0) {
      throw new Error(`${name} ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`)
    }
    return result.stdout
  }
  return {
    kubeconfig,
    bin,
    kubectl: (args, input) => checked('kubectl', ['--cache-dir', join(stackDir, 'kube-cache'), ...args], input),
    helm: (args) => checked('helm', args),
  }
}

function run(program: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }))
    child.stdin.end(input ?? '')
  })
}
