/**
 * The SDK as a user meets it: `make sdk`'s tarball installed into a copy of examples/starter made
 * outside the checkout (a project with a dependency of its own and its own tsconfig), its tests
 * run with node's test runner over exactly/testing, and its sources type-checked against the
 * SDK's .d.ts. Packages come from the npm registry (cached in ~/.npm after the first run).
 * No Kafka, S3 or cluster: it runs in the unit project, beside the integration suite.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { prepareStarter } from '../../../sdk/starter.ts'
import { runCommand } from '../../../stack/run-command.ts'

describe('the SDK in a job project of its own', () => {
  it('installs from its tarball, runs the starter’s in-memory tests and type-checks it', async () => {
    const { project, tarball } = await prepareStarter()
    // As the starter's README says: the tarball in vendor/, where package.json expects it.
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'))
    expect(manifest.devDependencies.exactly).toBe(`file:vendor/${tarball}`)

    const npm = (args: string[]) =>
      runCommand('npm', args, {
        cwd: project,
        timeoutMs: 240_000,
        env: { ...process.env, npm_config_update_notifier: 'false' },
      })
    const sdk = JSON.parse(readFileSync(join(project, 'node_modules', 'exactly', 'package.json'), 'utf8'))
    expect(Object.keys(sdk.exports)).toEqual(['./runtime', './testing'])

    const tested = await npm(['test'])
    expect(tested.code, `${tested.stdout}${tested.stderr}`).toBe(0)
    expect(tested.stdout).toMatch(/\bpass 2\b/)
    expect(tested.stdout).toMatch(/\bfail 0\b/)
    const typed = await npm(['run', 'typecheck'])
    expect(typed.code, `${typed.stdout}${typed.stderr}`).toBe(0)
  }, 300_000)
})
