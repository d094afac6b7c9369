/** The checked-in CRD and API reference are what the schema generates today. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { API_DOC_FILE, renderApiDoc } from '../../../operator/api/api-doc.ts'
import { CRD_FILE, renderCrdYaml } from '../../../operator/api/crd-yaml.ts'

const root = join(import.meta.dirname, '..', '..', '..')
const FIX = 'run `node operator/api/generate-crd.ts` and commit the result'

describe('generated files', () => {
  for (const [file, render] of [
    [CRD_FILE, renderCrdYaml],
    [API_DOC_FILE, renderApiDoc],
  ] as const) {
    it(`${file} matches operator/api/streamjob-schema.ts`, () => {
      const checkedIn = readFileSync(join(root, file), 'utf8')
      expect(checkedIn, `${file} is stale: ${FIX}`).toBe(render())
    })
  }
})
