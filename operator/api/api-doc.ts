/**
 * Renders docs/streamjob-api.md from the schema, so the reference a person reads cannot disagree
 * with what the API server enforces. Pure; written by generate-crd.ts and drift-tested with the CRD.
 */
import type { CelRule, Schema } from './openapi.ts'
import { streamJobSchema } from './streamjob-schema.ts'

export const API_DOC_FILE = 'docs/streamjob-api.md'

interface Row {
  path: string
  schema: Schema
  required: boolean
}

/** Depth-first fields under `root`, list items written as `field[]`. */
function rows(schema: Schema, path: string, required = false, out: Row[] = []): Row[] {
  if (path !== '') out.push({ path, schema, required })
  const item = schema.items
  const children = item?.properties ? item : schema
  const prefix = item?.properties ? `${path}[]` : path
  for (const [name, child] of Object.entries(children.properties ?? {})) {
    rows(child, prefix === '' ? name : `${prefix}.${name}`, children.required?.includes(name) ?? false, out)
  }
  return out
}

function typeOf(s: Schema): string {
  if (s['x-kubernetes-int-or-string']) return 'int or string'
  if (s.enum) return s.enum.map((v) => `\`${v}\``).join(' | ')
  if (s.type === 'array') return `list of ${s.items?.properties ? 'objects' : (s.items?.type ?? 'values')}`
  if (s['x-kubernetes-preserve-unknown-fields']) return 'object (free JSON)'
  if (s.additionalProperties?.['x-kubernetes-int-or-string']) return 'map of quantity'
  if (s.additionalProperties) return 'map of string'
  return s.type ?? 'any'
}

function bounds(s: Schema): string {
  const parts: string[] = []
  if (s.minimum !== undefined || s.maximum !== undefined) parts.push(`${s.minimum ?? ''}..${s.maximum ?? ''}`)
  if (s.minItems !== undefined) parts.push(`min ${s.minItems} items`)
  if (s.maxItems !== undefined) parts.push(`max ${s.maxItems} items`)
  return parts.filter(Boolean).join(', ')
}

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ')

function table(root: Schema, prefix: string): string {
  const lines = ['| field | type | default | description |', '|---|---|---|---|']
  for (const { path, schema, required } of rows(root, '')) {
    const dflt = schema.default === undefined ? '' : `\`${JSON.stringify(schema.default)}\``
    const type = [typeOf(schema), bounds(schema), required ? 'required' : ''].filter(Boolean).join(', ')
    lines.push(`| \`${prefix}${path}\` | ${cell(type)} | ${dflt} | ${cell(schema.description)} |`)
  }
  return lines.join('\n')
}

function rules(schema: Schema, path: string, out: Array<{ path: string; rule: CelRule }> = []) {
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    out.push({ path: `${path || 'StreamJob'}${rule.fieldPath ?? ''}`, rule })
  }
  if (schema.items) rules(schema.items, `${path}[]`, out)
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    rules(child, path === '' ? name : `${path}.${name}`, out)
  }
  return out
}

const INTRO = `# StreamJob API reference (\`exactly.dev/v1alpha1\`)

Generated from \`operator/api/streamjob-schema.ts\` by \`node operator/api/generate-crd.ts\`; do not
edit. \`kubectl explain streamjob.spec\` prints the same descriptions. Durations are Go durations
such as \`500ms\`, \`10s\`, \`15m\` or \`1h30m\`.

Immutable fields: \`spec.kafka.source.topics\` (checkpointed offsets and keyed state belong to
them) and \`spec.checkpoint.storage.uri\` (the checkpoints, and the record of transactions still
open, live there). Changing either would orphan that state, so the API server refuses it: create
a new StreamJob instead, starting it from a savepoint with \`restoreFrom\` where the state still applies.
`

export function renderApiDoc(): string {
  const spec = streamJobSchema.properties!.spec!
  const status = streamJobSchema.properties!.status!
  const ruleLines = rules(streamJobSchema, '').map(({ path, rule }) => `| \`${path}\` | ${cell(rule.message)} |`)
  return [
    INTRO,
    '## Spec\n',
    table(spec, 'spec.'),
    '\n## Validation rules (CEL, checked by the API server)\n',
    'Besides the bounds above, the API server checks these rules (their CEL is in the CRD); the message is',
    'what `kubectl` prints. `self == oldSelf` rules apply to updates only.\n',
    '| on | message |',
    '|---|---|',
    ...ruleLines,
    '\n## Status (written by the operator)\n',
    table(status, 'status.'),
    '',
  ].join('\n')
}
