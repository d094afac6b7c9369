/**
 * test/run-all.ts's judgement of a vitest JSON report: hook failures, files that did not load,
 * skipped tests and the floor each fail the run, with as many failures as tests they cost.
 * The report shapes are those vitest 5 writes (seen by running files that do each of these).
 */
import { describe, expect, it } from 'vitest'
import { failuresForSummary, tallyProject, type VitestJsonReport } from '../../run-all-tally.ts'

type File = VitestJsonReport['testResults'][number]
const test = (fullName: string, status: string) => ({ fullName, status })
const file = (name: string, status: string, message: string, tests: Array<[string, string]>): File => ({
  name,
  status,
  message,
  assertionResults: tests.map(([n, s]) => test(n, s)),
})
const report = (...testResults: File[]): VitestJsonReport => ({ testResults })
const green = file('green.test.ts', 'passed', '', [
  ['g1', 'passed'],
  ['g2', 'passed'],
])

describe('tallyProject', () => {
  it('passes a green run at or above its floor', () => {
    const t = tallyProject('unit', report(green), 0, 2)
    expect(t).toMatchObject({ passed: 2, failed: 0, total: 2, skipped: [], problems: [] })
    expect(failuresForSummary(t, 2)).toBe(0)
  })

  it('counts every test a failed beforeAll kept from running as failed', () => {
    const before = file('a.test.ts', 'failed', 'boom-before', [
      ['a1', 'skipped'],
      ['a2', 'skipped'],
      ['d a3', 'skipped'],
    ])
    const t = tallyProject('integration', report(green, before), 1, 0)
    expect(t).toMatchObject({ passed: 2, failed: 3, total: 5, skipped: [] })
    expect(t.problems.join('\n')).toMatch(/a\.test\.ts failed: boom-before; its 3 test\(s\) that did not run/)
  })

  it('counts a failed afterAll once, and a file that did not load once', () => {
    const after = file('b.test.ts', 'failed', 'boom-after', [['b1', 'passed']])
    const broken = file('d.test.ts', 'failed', 'import boom', [])
    const t = tallyProject('integration', report(after, broken), 1, 0)
    expect(t).toMatchObject({ passed: 1, failed: 2, total: 1 })
    expect(t.problems.join('\n')).toContain('b.test.ts: a hook failed after its tests: boom-after')
    expect(t.problems.join('\n')).toContain('d.test.ts did not load: import boom')
  })

  it('fails a run with a skipped or todo test, and counts them in the summary', () => {
    const skipping = file('c.test.ts', 'passed', '', [
      ['c1', 'passed'],
      ['c2', 'skipped'],
      ['c3', 'todo'],
    ])
    const t = tallyProject('unit', report(skipping), 0, 0)
    expect(t).toMatchObject({ passed: 1, failed: 0, skipped: ['c2', 'c3'] })
    expect(t.problems).toEqual([expect.stringMatching(/^2 test\(s\) skipped or todo.*c2; c3$/)])
    expect(failuresForSummary(t, 0)).toBe(2)
  })

  it('fails a run with fewer tests than the floor, the missing ones counted in the summary', () => {
    const t = tallyProject('unit', report(green), 0, 10)
    expect(t.problems).toEqual([expect.stringContaining("ran 2 tests, fewer than the project's floor of 10")])
    expect(failuresForSummary(t, 10)).toBe(8)
  })

  it('counts a failing exit with no failed test, and a missing report, as one failure', () => {
    expect(tallyProject('unit', report(green), 1, 0)).toMatchObject({ failed: 1, problems: [expect.any(String)] })
    expect(tallyProject('unit', undefined, 1, 0)).toMatchObject({
      failed: 1,
      problems: [expect.stringContaining('vitest wrote no report')],
    })
  })
})
