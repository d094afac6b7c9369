/**
 * The image users build: `make image` builds the repository's Dockerfile unchanged (buildah, a
 * base image built here under the FROM name, nothing pulled). These tests look inside the result
 * and run it, so a Dockerfile that stops building, or builds an image that cannot run a job,
 * fails here.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BuiltImage, buildah, buildImage } from '../../../stack/image.ts'
import { REPO_ROOT } from '../../../stack/repo-root.ts'

let image: BuiltImage
let container = ''

/** Runs a command in the image's container as the image's own user (buildah run, no runtime needed). */
const run = (...command: string[]) => buildah(['run', '--isolation', 'chroot', container, '--', ...command])

beforeAll(async () => {
  image = await buildImage()
  container = (await buildah(['from', '--pull=never', image.ref])).trim()
}, 15 * 60_000)

afterAll(async () => {
  if (container) await buildah(['rm', container])
})

describe('the exactly image, built from the Dockerfile by make image', () => {
  it('has the Dockerfile user, working directory, entrypoint and command', async () => {
    const config = JSON.parse(await buildah(['inspect', '--type', 'image', image.ref])) as {
      Docker: { config: { User: string; WorkingDir: string; Entrypoint: string[]; Cmd: string[]; Env: string[] } }
    }
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8')
    const entrypoint = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(dockerfile)![1]!) as string[]
    const { User, WorkingDir, Entrypoint, Cmd, Env } = config.Docker.config
    expect({ User, WorkingDir, Entrypoint, Cmd }).toEqual({
      User: '10001:10001',
      WorkingDir: '/app',
      Entrypoint: entrypoint,
      Cmd: ['help'],
    })
    expect(Env).toContain('NODE_ENV=production')
  })

  it('holds the runtime, operator, contract, examples and CRDs, production dependencies only, and no tests', async () => {
    const listing = (await run('ls', '-1', '/app')).trim().split('\n').sort()
    expect(listing).toEqual(['contract', 'crds', 'examples', 'node_modules', 'operator', 'package.json', 'runtime'])
    const modules = (await run('ls', '-1', '/app/node_modules')).split('\n')
    expect(modules).toEqual(expect.arrayContaining(['kafkajs', 'zod', '@kubernetes', '@aws-sdk']))
    for (const dev of ['vitest', 'typescript', '@biomejs']) expect(modules).not.toContain(dev)
    const maps = await run('find', '/app/node_modules', '-name', '*.map')
    expect(maps.trim()).toBe('')
  })

  it('runs the CLI as uid 10001 and loads an example job module through exactly/runtime', async () => {
    expect((await run('id', '-u')).trim()).toBe('10001')
    expect(await run('node', '/app/runtime/cli/exactly.ts', 'help')).toMatch(/^usage: exactly <command>/m)
    const loaded = await run(
      'node',
      '--input-type=module',
      '-e',
      "const job = (await import('/app/examples/word-count/job.ts')).default; console.log(typeof job.process)",
    )
    expect(loaded.trim()).toBe('function')
  })

  it("loads the worker's modules from the compile cache made when the image was built", async () => {
    const script = "await import('/app/runtime/worker/worker.ts')"
    const trace = await run('sh', '-c', `NODE_DEBUG_NATIVE=COMPILE_CACHE node --input-type=module -e "${script}" 2>&1`)
    const read = (file: string) => new RegExp(`reading cache from \\S+ for \\w+ file:///app/${file}\\.\\.\\..*success`)
    expect(trace).toMatch(/resolved path \/app\/.compile-cache/)
    expect(trace).toMatch(read('runtime/worker/worker.ts'))
    expect(trace).toMatch(read('runtime/slot/slot-runner.ts'))
    // Writing fails (the cache is root's, like /app): only a module it does not hold, the -e script, tries.
    expect(trace).not.toMatch(/reading cache .*permission denied/)
    // The CLI itself too (its ENTRYPOINT): no TypeScript to strip at a worker's start (about 35 ms).
    const cli = await run('sh', '-c', 'NODE_DEBUG_NATIVE=COMPILE_CACHE node /app/runtime/cli/exactly.ts help 2>&1')
    expect(cli).toMatch(read('runtime/cli/exactly.ts'))
  })

  it('gives uid 10001 no write access to the application', async () => {
    const probe = await buildah([
      'run',
      '--isolation',
      'chroot',
      container,
      '--',
      'sh',
      '-c',
      'touch /app/x 2>&1; echo $?',
    ])
    expect(probe).toMatch(/Permission denied/)
    expect(probe.trim().split('\n').at(-1)).not.toBe('0')
  })
})
