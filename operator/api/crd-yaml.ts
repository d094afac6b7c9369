/**
 * Renders the StreamJob CRD as the YAML checked in under crds/. Pure, so the drift test can compare
 * the file with what the schema produces today.
 */
import { stringify } from 'yaml'
import { streamJobCrd } from './streamjob-schema.ts'

export const CRD_FILE = 'crds/streamjobs.exactly.dev.yaml'

const HEADER = `# Generated from operator/api/streamjob-schema.ts by \`node operator/api/generate-crd.ts\`.
# Do not edit: change the schema and run the generator (a unit test fails while they differ).
`

export function renderCrdYaml(): string {
  return HEADER + stringify(streamJobCrd, { lineWidth: 0 })
}
