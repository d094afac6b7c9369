/**
 * `make sdk`: the `exactly` SDK as a package a job's own project installs (npm install
 * ./exactly-<version>.tgz): `exactly/runtime` (defineJob and the job API's types) and
 * `exactly/testing` (the in-memory harness), compiled to JavaScript with .d.ts by this checkout's
 * TypeScript (sdk/tsconfig.json), no dependencies. Node refuses to strip types under
 * node_modules, hence JavaScript. In a worker, the job's copy gives way to the worker's own
 * runtime (runtime/worker/job-module.ts). Prints the tarball's path.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from '../stack/repo-root.ts'
import { runCommand } from '../stack/run-command.ts'

export async function packSdk(outDir = join(REPO_ROOT, 'dist')): Promise<string> {
  // A directory of its own: packs may run side by side (the unit and integration suites both pack).
  const build = mkdtempSync(join(tmpdir(), 'exactly-sdk-build-'))
  const tsc = await runCommand(join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), [
    '-p',
    join(REPO_ROOT, 'sdk', 'tsconfig.json'),
    '--outDir',
    join(build, 'dist'),
  ])
  if (tsc.code !== 0) throw new Error(`Cannot build the SDK: tsc failed:\n${tsc.stdout}${tsc.stderr}`)
  const root = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
  const entry = (dir: string) => ({
    types: `./dist/runtime/${dir}/index.d.ts`,
    default: `./dist/runtime/${dir}/index.js`,
  })
  const manifest = {
    name: 'exactly',
    version: root.version,
    description: 'The job API of exactly (exactly/runtime) and its in-memory test harness (exactly/testing)',
    type: 'module',
    exports: { './runtime': entry('api'), './testing': entry('testing') },
    files: ['dist', 'README.md'],
    engines: { node: '>=22.15' },
    sideEffects: false,
  }
  writeFileSync(join(build, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  cpSync(join(REPO_ROOT, 'sdk', 'README.md'), join(build, 'README.md'))
  mkdirSync(outDir, { recursive: true })
  const pack = await runCommand('npm', ['pack', '--silent', '--pack-destination', outDir], { cwd: build })
  if (pack.code !== 0) throw new Error(`Cannot pack the SDK: npm pack failed:\n${pack.stderr}`)
  rmSync(build, { recursive: true, force: true })
  return join(outDir, pack.stdout.trim().split('\n').at(-1)!)
}

if (import.meta.main) process.stdout.write(`${await packSdk(process.argv[2])}\n`)
