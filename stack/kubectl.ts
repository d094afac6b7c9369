/**
 * kubectl and helm, the real binaries (stack/install/kubectl-helm.sh), for the demo, the tests
 * and the benchmark. Their config, caches and kubectl's discovery data live in a directory of
 * the caller's, not in the user's home: a fresh discovery cache is what lets kubectl see a CRD
 * installed a moment ago, and two stacks never share one.
 */
import { accessSync, constants, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { componentDir } from './components.ts'
import { type CommandResult, failureMessage, runCommand } from './run-command.ts'
import { waitFor } from './wait.ts'

export type KubeCli = 'kubectl' | 'helm'

export interface KubeTools {
  /** The directory holding the kubectl and helm binaries. */
  readonly bin: string
  /** KUBECONFIG of every command, when one was given. */
  readonly kubeconfig: string | undefined
  /** The path of kubectl or helm. */
  path(cli: KubeCli): string
  /** Runs kubectl or helm to its end; never rejects on a non-zero exit (the caller reads `code`). */
  run(cli: KubeCli, args: readonly string[], input?: string): Promise<CommandResult>
  /** kubectl; `input` goes to stdin (for `-f -`). Rejects with its output when it exits non-zero. */
  kubectl(args: readonly string[], input?: string): Promise<string>
  /** helm; rejects with its output when it exits non-zero. */
  helm(args: readonly string[], input?: string): Promise<string>
}

export interface KubeToolsOptions {
  /** Where helm and kubectl keep config and caches; a fresh temporary directory when absent. */
  stateDir?: string
  /** Set as KUBECONFIG; without it, commands name theirs with --kubeconfig. */
  kubeconfig?: string
  /** A command still running after this long is stopped (none by default). */
  timeoutMs?: number
}

/** Installs kubectl and helm if needed; fails at once when either is missing or not executable. */
export async function kubeTools(options: KubeToolsOptions = {}): Promise<KubeTools> {
  const bin = await componentDir('kubectl-helm')
  const path = (cli: KubeCli) => join(bin, cli)
  for (const cli of ['kubectl', 'helm'] as const) accessSync(path(cli), constants.X_OK)
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'exactly-kube-tools-'))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HELM_CACHE_HOME: join(stateDir, 'helm', 'cache'),
    HELM_CONFIG_HOME: join(stateDir, 'helm', 'config'),
    HELM_DATA_HOME: join(stateDir, 'helm', 'data'),
    ...(options.kubeconfig ? { KUBECONFIG: options.kubeconfig } : {}),
  }
  const run = (cli: KubeCli, args: readonly string[], input?: string) => {
    const all = cli === 'kubectl' ? ['--cache-dir', join(stateDir, 'kube-cache'), ...args] : args
    return runCommand(path(cli), all, {
      env,
      ...(input === undefined ? {} : { input }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    })
  }
  const checked = async (cli: KubeCli, args: readonly string[], input?: string) => {
    const result = await run(cli, args, input)
    if (result.code !== 0) throw new Error(failureMessage(`${cli} ${args.join(' ')}`, result, options.timeoutMs))
    return result.stdout
  }
  return {
    bin,
    kubeconfig: options.kubeconfig,
    path,
    run,
    kubectl: (args, input) => checked('kubectl', args, input),
    helm: (args, input) => checked('helm', args, input),
  }
}

/**
 * Waits until the API server serves the StreamJob CRD (its Established condition is True).
 * Not `kubectl wait --for=condition=Established`: asked before the CRD has any condition, that
 * fails at once ("status.conditions accessor error: <nil> is of the type <nil>") instead of
 * waiting, which failed a CI run.
 */
export async function waitForStreamJobCrd(
  kubectl: (args: readonly string[]) => Promise<string>,
  timeoutMs = 60_000,
): Promise<void> {
  const established = '{.status.conditions[?(@.type=="Established")].status}'
  await waitFor(
    'the StreamJob CRD is Established',
    async () =>
      (await kubectl(['get', 'crd/streamjobs.exactly.dev', '-o', `jsonpath=${established}`])).trim() === 'True',
    timeoutMs,
    { intervalMs: 200 },
  )
}

/**
 * `kubectl apply -f -` of StreamJobs once the API server serves them. Helm waits for the operator
 * pods, not for the API server to serve the CRD it created: the first create may still be
 * answered 503 "There can be a delay between when CustomResourceDefinitions are created and when
 * they are available". A user retries; so does this, for a while, and only on that answer.
 */
export async function applyStreamJobs(tools: KubeTools, yaml: string, args: readonly string[] = []): Promise<string> {
  await waitForStreamJobCrd((crdArgs) => tools.kubectl(crdArgs))
  let refused: string | undefined
  const apply = () =>
    tools.kubectl([...args, 'apply', '-f', '-'], yaml).catch((error: Error) => {
      if (!/ServiceUnavailable|There can be a delay/.test(error.message)) refused = error.message
      throw error
    })
  return waitFor('the API server accepts the StreamJob', apply, 30_000, { intervalMs: 500, failure: () => refused })
}
