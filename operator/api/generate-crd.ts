/**
 * Writes crds/streamjobs.exactly.dev.yaml and docs/streamjob-api.md from the schema.
 * Run from the repository root after changing anything under operator/api/:
 *
 *   node operator/api/generate-crd.ts
 *
 * Both files are checked in; test/unit/operator/crd-drift.test.ts fails while they are stale.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { API_DOC_FILE, renderApiDoc } from './api-doc.ts'
import { CRD_FILE, renderCrdYaml } from './crd-yaml.ts'

const root = join(import.meta.dirname, '..', '..')
for (const [file, text] of [
  [CRD_FILE, renderCrdYaml()],
  [API_DOC_FILE, renderApiDoc()],
] as const) {
  writeFileSync(join(root, file), text)
  console.log(`wrote ${file}`)
}
