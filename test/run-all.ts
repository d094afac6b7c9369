/**
 * Runs every vitest project (unit, then integration against the real stack) and closes with
 * one plain line, "tests: N passed, N failed", that CI reads. Exits non-zero on any failure.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const report = join(mkdtempSync(join(tmpdir(), 'exactly-test-')), 'report.json')
const started = Date.now()
const result = spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
)

let passed = 0
let failed = 0
try {
  const json = JSON.parse(readFileSync(report, 'utf8')) as {
    numPassedTests: number
    numFailedTests: number
    numTotalTests: number
  }
  passed = json.numPassedTests
  failed = json.numFailedTests + (result.status !== 0 && json.numFailedTests === 0 ? 1 : 0)
} catch {
  failed = 1
  console.error('run-all: vitest wrote no report; counting the run as failed')
}
console.log(`\nall tests took ${((Date.now() - started) / 1000).toFixed(0)}s`)
console.log(`tests: ${passed} passed, ${failed} failed`)
process.exit(result.status === 0 && failed === 0 ? 0 : 1)
