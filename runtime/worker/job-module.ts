/**
 * Loads the job module a worker runs: `job.module` of the worker config, a path in the image,
 * whose default export must be `defineJob(...)`.
 */
import { existsSync } from 'node:fs'
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

export async function loadJob(modulePath: string): Promise<Job> {
  const url = pathToFileURL(resolveJobModule(modulePath)).href
  const module = (await import(url)) as { default?: unknown }
  return asJob(module.default, modulePath)
}
