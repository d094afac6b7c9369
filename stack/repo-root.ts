import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root: what the image's /app is on a real cluster, and where relative paths start. */
export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../..')
