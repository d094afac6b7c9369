/**
 * examples/starter as its README has a user set it up, outside the checkout: the directory
 * copied, `make sdk`'s tarball in its vendor/, and `npm install` (which writes the lock file an
 * image build needs). The SDK test and the own-job end-to-end test start from it.
 */
import { copyFileSync, cpSync, mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { REPO_ROOT } from '../stack/repo-root.ts'
import { runCommand } from '../stack/run-command.ts'
import { packSdk } from './pack.ts'

/** Returns the project's directory and the SDK tarball's file name. */
export async function prepareStarter(): Promise<{ project: string; tarball: string }> {
  const work = mkdtempSync(join(tmpdir(), 'exactly-starter-'))
  const tarball = await packSdk(join(work, 'sdk'))
  const project = join(work, 'my-job')
  cpSync(join(REPO_ROOT, 'examples', 'starter'), project, { recursive: true })
  mkdirSync(join(project, 'vendor'))
  copyFileSync(tarball, join(project, 'vendor', basename(tarball)))
  const installed = await runCommand('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: project,
    timeoutMs: 240_000,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  })
  if (installed.code !== 0) throw new Error(`npm install in ${project} failed:\n${installed.stderr}`)
  return { project, tarball: basename(tarball) }
}
