/**
 * Writes crds/streamjobs.exactly.dev.yaml, the Helm chart's copy of it and docs/streamjob-api.md
 * from the schema.
 * Run from the repository root after changing anything under operator/api/:
 *
 *   node operator/api/generate-crd.ts
 *
 * All three are checked in; test/unit/operator/crd-drift.test.ts and the chart test fail while
 * one is stale.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { API_DOC_FILE, renderApiDoc } from './api-doc.ts'
import { CRD_FILE, renderCrdYaml } from './crd-yaml.ts'

const root = join(import.meta.dirname, '..', '..')
for (const [file, text] of [
  [CRD_FILE, renderCrdYaml()],
  // Helm installs CRDs only from the chart's own crds/ directory, so the chart carries a copy.
  [join('charts', 'exactly', CRD_FILE), renderCrdYaml()],
  [API_DOC_FILE, renderApiDoc()],
] as const) {
  writeFileSync(join(root, file), text)
  console.log(`wrote ${file}`)
}
