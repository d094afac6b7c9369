/**
 * Runs the real helm and kubectl binaries against charts/exactly and the stack's API server.
 * Both come from stack/install/kubectl-helm.sh; if they cannot be installed, the first
 * call throws (nothing is skipped).
 */
import { spawn } from 'node:child_process'
import { accessSync, constants, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { componentDir } from '../../../stack/components.ts'

export const ROOT = join(import.meta.dirname, '..', '..', '..')
export const CHART_DIR = join(ROOT, 'charts', 'exactly')
/** The CRD the generator writes (operator/api/generate-crd.ts) and the chart's copy of it. */
export const REPO_CRD = join(ROOT, 'crds', 'streamjobs.exactly.dev.yaml')
export const CHART_CRD = join(CHART_DIR, 'crds', 'streamjobs.exactly.dev.yaml')

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** A Kubernetes object as rendered by the chart. */
export interface Manifest {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string> }
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests of many kinds
  [key: string]: any
}

// helm and kubectl keep their config, cache and discovery data here, not in the home directory:
// a fresh discovery cache means kubectl sees the StreamJob CRD that is installed now.
const scratch = mkdtempSync(join(tmpdir(), 'exactly-chart-test-'))
const helmEnv = {
  HELM_CACHE_HOME: join(scratch, 'helm-cache'),
  HELM_CONFIG_HOME: join(scratch, 'helm-config'),
  HELM_DATA_HOME: join(scratch, 'helm-data'),
}

let binaries: Promise<{ helm: string; kubectl: string }> | undefined

/** The helm and kubectl paths; throws when they are missing or not executable. */
export function tools(): Promise<{ helm: string; kubectl: string }> {
  binaries ??= componentDir('kubectl-helm').then((dir) => {
    const found = { helm: join(dir, 'helm'), kubectl: join(dir, 'kubectl') }
    for (const path of Object.values(found)) accessSync(path, constants.X_OK)
    return found
  })
  return binaries
}

/** Runs a program to its end; never throws on a non-zero exit (the caller looks at `code`). */
export function run(program: string, args: string[], input?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env: { ...process.env, ...helmEnv }, stdio: ['pipe', 'pipe', 'pipe'] })
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

function succeeded(what: string, result: RunResult): string {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}:\n${result.stderr}${result.stdout}`)
  return result.stdout
}

export async function helm(args: string[]): Promise<RunResult> {
  return run((await tools()).helm, args)
}

/** kubectl against the given kubeconfig; `input` goes to stdin (for `-f -`). */
export async function kubectl(kubeconfig: string, args: string[], input?: string): Promise<RunResult> {
  return run(
    (await tools()).kubectl,
    ['--kubeconfig', kubeconfig, '--cache-dir', join(scratch, 'kube-cache'), ...args],
    input,
  )
}

/** `helm template` of the chart as YAML text; `args` adds --set, --show-only and the like. */
export async function templateText(release: string, namespace: string, args: string[] = []): Promise<string> {
  const result = await helm(['template', release, CHART_DIR, '--namespace', namespace, ...args])
  return succeeded(`helm template ${release} ${args.join(' ')}`, result)
}

/** `helm template` of the chart, parsed into objects (empty documents dropped). */
export async function render(release: string, namespace: string, args: string[] = []): Promise<Manifest[]> {
  return parseManifests(await templateText(release, namespace, args))
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`The chart rendered invalid YAML: ${doc.errors[0]}`)
      return doc.toJS() as Manifest | null
    })
    .filter((manifest): manifest is Manifest => manifest !== null)
}

/** The one manifest of `kind` named `name` (and in `namespace`, when given); throws otherwise. */
export function find(manifests: Manifest[], kind: string, name: string, namespace?: string): Manifest {
  const found = manifests.filter(
    (m) =>
      m.kind === kind && m.metadata.name === name && (namespace === undefined || m.metadata.namespace === namespace),
  )
  if (found.length !== 1) {
    const all = manifests.map((m) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`).join(', ')
    throw new Error(`Expected one ${kind} ${namespace ?? ''}/${name}, found ${found.length} among: ${all}`)
  }
  return found[0]!
}

export interface PolicyRule {
  apiGroups?: string[]
  resources?: string[]
  verbs: string[]
  resourceNames?: string[]
  nonResourceURLs?: string[]
}

/** Rules as sorted "group/resource: verb" lines, so two rule lists compare whatever their layout. */
export function permissions(rules: PolicyRule[]): string[] {
  const lines: string[] = []
  for (const rule of rules) {
    if (rule.resourceNames || rule.nonResourceURLs)
      throw new Error(`Unexpected resourceNames/nonResourceURLs in rule ${JSON.stringify(rule)}`)
    for (const group of rule.apiGroups ?? [])
      for (const resource of rule.resources ?? [])
        for (const verb of rule.verbs) lines.push(`${group || 'core'}/${resource}: ${verb}`)
  }
  return lines.sort()
}
