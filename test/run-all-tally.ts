/**
 * How test/run-all.ts judges one vitest project's run from vitest's JSON report: what passed,
 * what failed, and why the run as a whole must fail even when no test said "failed".
 *
 * Vitest's JSON report marks the tests of a file (or describe) whose beforeAll threw as
 * "skipped" and puts the hook's error on the file, whose status is "failed"; an afterAll that
 * threw leaves every test "passed" in a "failed" file; a file that cannot even be imported has
 * no tests at all and a "failed" status. Counted here: a test that did not pass in a failed file
 * is a failure (a failed beforeAll fails every test it guarded), a failed file whose tests all
 * passed is one failure (its afterAll), a failed file with no test is one failure (it did not
 * load), and skipped or todo tests in files that did not fail are reported and fail the run.
 */

/** The parts of vitest's JSON report (reporter "json") read here. */
export interface VitestJsonReport {
  testResults: Array<{
    name: string
    status: string
    message: string
    assertionResults: Array<{ fullName: string; status: string }>
  }>
}

export interface ProjectTally {
  project: string
  /** Tests that ran and passed. */
  passed: number
  /** Tests that failed, counting each test a failed hook kept from running, plus one per broken file. */
  failed: number
  /** Tests found in the project's files (what the floor is compared with). */
  total: number
  /** Skipped or todo tests in files that did not fail, by full name. */
  skipped: string[]
  /** Why the project's run fails, one line each; empty when it passed. */
  problems: string[]
}

/**
 * `report` is undefined when vitest wrote none; `exitCode` is vitest's; `floor` the fewest tests
 * the project may run.
 */
export function tallyProject(
  project: string,
  report: VitestJsonReport | undefined,
  exitCode: number | null,
  floor: number,
): ProjectTally {
  const tally: ProjectTally = { project, passed: 0, failed: 0, total: 0, skipped: [], problems: [] }
  if (!report) {
    tally.failed = 1
    tally.problems.push(`vitest wrote no report (exit ${exitCode}): counted as one failure`)
    return tally
  }
  for (const file of report.testResults) {
    const tests = file.assertionResults
    tally.total += tests.length
    const passed = tests.filter((t) => t.status === 'passed').length
    const failed = tests.filter((t) => t.status === 'failed').length
    tally.passed += passed
    if (file.status === 'failed') {
      const notRun = tests.length - passed - failed
      const why = file.message ? `: ${firstLine(file.message)}` : ''
      if (tests.length === 0) {
        tally.failed += 1
        tally.problems.push(`${file.name} did not load${why}: counted as one failure`)
      } else if (notRun > 0) {
        tally.failed += failed + notRun
        tally.problems.push(
          `${file.name} failed${why}; its ${notRun} test(s) that did not run count as failed (a failed beforeAll keeps its tests from running)`,
        )
      } else if (failed === 0) {
        tally.failed += 1
        tally.problems.push(`${file.name}: a hook failed after its tests${why}: counted as one failure`)
      } else {
        tally.failed += failed
      }
    } else {
      tally.failed += failed
      for (const t of tests) if (t.status !== 'passed' && t.status !== 'failed') tally.skipped.push(t.fullName)
    }
  }
  const failedTests = report.testResults.reduce(
    (n, f) => n + f.assertionResults.filter((t) => t.status === 'failed').length,
    0,
  )
  if (failedTests > 0) tally.problems.push(`${failedTests} test(s) failed`)
  if (tally.skipped.length > 0) {
    tally.problems.push(
      `${tally.skipped.length} test(s) skipped or todo, which a full run must not have: ${tally.skipped
        .slice(0, 5)
        .join('; ')}`,
    )
  }
  if (tally.total < floor) {
    tally.problems.push(
      `ran ${tally.total} tests, fewer than the project's floor of ${floor} (test/run-all.ts): did a file or a glob go missing?`,
    )
  }
  if (exitCode !== 0 && tally.failed === 0) {
    tally.failed = 1
    tally.problems.push(
      `vitest exited ${exitCode} although no test failed (no test file found, or an unhandled error: see its output above): counted as one failure`,
    )
  }
  return tally
}

/**
 * The count for the closing line: failures, and every test that should have passed but did not
 * run (skipped, todo, or missing under the floor), so that the line says "0 failed" only when the
 * run really passed.
 */
export function failuresForSummary(tally: ProjectTally, floor: number): number {
  return tally.failed + tally.skipped.length + Math.max(0, floor - tally.total)
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 200)
}
