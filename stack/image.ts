/**
 * The `exactly` image as `make image` builds it (stack/install/image.sh: the Dockerfile, unchanged,
 * by buildah, cached by content), and buildah on the same image storage for looking inside it.
 */
import { join } from 'node:path'
import { REPO_ROOT } from './repo-root.ts'
import { type CommandOptions, runChecked } from './run-command.ts'

const IMAGE_SCRIPT = join(REPO_ROOT, 'stack/install/image.sh')
const PAUSE_SCRIPT = join(REPO_ROOT, 'stack/install/pause-image.sh')

export interface BuiltImage {
  /** The reference the image has in containerd and in pod specs, e.g. localhost/exactly:dev-1a2b…. */
  ref: string
  /** The OCI archive containerd imports. */
  archive: string
}

/** Builds the image, or finds the one built from the same tree; a cold build takes about a minute. */
export function buildImage(): Promise<BuiltImage> {
  return imageFrom(IMAGE_SCRIPT)
}

/** The pod sandbox image of the real node (a static `pause` binary), built once into the cache. */
export function pauseImage(): Promise<BuiltImage> {
  return imageFrom(PAUSE_SCRIPT)
}

/** Runs an image script, which prints the image's reference and then its archive's path. */
async function imageFrom(script: string): Promise<BuiltImage> {
  const out = await runChecked('bash', [script], { timeoutMs: 15 * 60_000 })
  const [ref = '', archive = ''] = out.trim().split('\n').slice(-2)
  if (!ref.startsWith('localhost/') || !archive.endsWith('.oci.tar'))
    throw new Error(`${script} printed no image and archive:\n${out}`)
  return { ref, archive }
}

/** buildah on the image storage `make image` uses; resolves with its stdout, rejects on failure. */
export function buildah(args: readonly string[], options: CommandOptions = {}): Promise<string> {
  return runChecked('bash', [IMAGE_SCRIPT, 'buildah', ...args], { timeoutMs: 120_000, ...options })
}
