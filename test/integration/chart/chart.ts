/**
 * charts/exactly rendered and installed with the real helm and kubectl (stack/kubectl.ts). If
 * they cannot be installed, the first call throws (nothing is skipped).
 */
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { type KubeTools, kubeTools } from '../../../stack/kubectl.ts'
import { REPO_ROOT } from '../../../stack/repo-root.ts'
import { type CommandResult, failureMessage } from '../../../stack/run-command.ts'

export const CHART_DIR = join(REPO_ROOT, 'charts', 'exactly')
/** The CRD the generator writes (operator/api/generate-crd.ts) and the chart's copy of it. */
export const REPO_CRD = join(REPO_ROOT, 'crds', 'streamjobs.exactly.dev.yaml')
export const CHART_CRD = join(CHART_DIR, 'crds', 'streamjobs.exactly.dev.yaml')

export type RunResult = CommandResult

/** A Kubernetes object as rendered by the chart. */
export interface Manifest {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests of many kinds
  [key: string]: any
}

// One state directory for the whole file: a fresh discovery cache (kubectl sees the StreamJob
// CRD that is installed now), and helm's repositories and cache away from the home directory.
let cli: Promise<KubeTools> | undefined
const kube = () => {
  cli ??= kubeTools()
  return cli
}

/** The helm and kubectl paths; throws when they are missing or not executable. */
export async function tools(): Promise<{ helm: string; kubectl: string }> {
  const found = await kube()
  return { helm: found.path('helm'), kubectl: found.path('kubectl') }
}

function succeeded(what: string, result: RunResult): string {
  if (result.code !== 0) throw new Error(failureMessage(what, result))
  return result.stdout
}

/** helm to its end; never throws on a non-zero exit (the caller looks at `code`). */
export async function helm(args: string[]): Promise<RunResult> {
  return (await kube()).run('helm', args)
}

/** kubectl against the given kubeconfig; `input` goes to stdin (for `-f -`). Never throws on a non-zero exit. */
export async function kubectl(kubeconfig: string, args: string[], input?: string): Promise<RunResult> {
  return (await kube()).run('kubectl', ['--kubeconfig', kubeconfig, ...args], input)
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
