/**
 * Loads the job module a worker runs: `job.module` of the worker config, a path in the image,
 * whose default export must be `defineJob(...)`.
 *
 * A job with dependencies of its own carries its own copy of the `exactly` SDK in its
 * node_modules (the packed tarball, `make sdk`). Whatever that copy's version, the job's
 * `exactly/runtime` and `exactly/testing` resolve to the worker's own modules here, so the job
 * and the worker share one runtime: one defineJob, one set of types and checks.
 */
import { existsSync } from 'node:fs'
import { registerHooks } from 'node:module'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { asJob, type Job } from '../api/define-job.ts'

/** Where the image keeps this package (the Dockerfile copies it to /app). */
const IMAGE_ROOT = '/app/'
const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * `job.module` is a path in the image. Under /app it names a file of this package, wherever the
 * package is installed: the identity in the image, the checkout when pods run as local processes.
 */
export function resolveJobModule(modulePath: string, packageRoot = PACKAGE_ROOT): string {
  if (modulePath.startsWith(IMAGE_ROOT) && !existsSync(modulePath)) {
    return join(packageRoot, modulePath.slice(IMAGE_ROOT.length))
  }
  return resolve(modulePath)
}

/** The SDK's entry points, as the worker's own modules. */
const SHARED: Readonly<Record<string, string>> = {
  'exactly/runtime': new URL('../api/index.ts', import.meta.url).href,
  'exactly/testing': new URL('../testing/index.ts', import.meta.url).href,
}
let sharing = false

/** Makes every `import 'exactly/runtime'` (or testing), from any module of the job, the worker's. */
export function shareRuntimeWithJobs(): void {
  if (sharing) return
  sharing = true
  registerHooks({
    resolve(specifier, context, next) {
      const url = SHARED[specifier]
      return url ? { url, shortCircuit: true } : next(specifier, context)
    },
  })
}

export async function loadJob(modulePath: string): Promise<Job> {
  shareRuntimeWithJobs()
  const url = pathToFileURL(resolveJobModule(modulePath)).href
  const module = (await import(url)) as { default?: unknown }
  return asJob(module.default, modulePath)
}
