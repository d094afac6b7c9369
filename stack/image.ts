/**
 * The `exactly` image as `make image` builds it (stack/install/image.sh: the Dockerfile, unchanged,
 * by buildah, cached by content), and buildah on the same image storage for looking inside it.
 */
import { join } from 'node:path'
import { REPO_ROOT } from './repo-root.ts'
import { type CommandOptions, runChecked } from './run-command.ts'

const IMAGE_SCRIPT = join(REPO_ROOT, 'stack/install/image.sh')

export interface BuiltImage {
  /** The reference the image has in containerd and in pod specs, e.g. localhost/exactly:dev-1a2b…. */
  ref: string
  /** The OCI archive containerd imports. */
  archive: string
}

/** Builds the image, or finds the one built from the same tree; a cold build takes about a minute. */
export async function buildImage(): Promise<BuiltImage> {
  const out = await runChecked('bash', [IMAGE_SCRIPT], { timeoutMs: 15 * 60_000 })
  const [ref = '', archive = ''] = out.trim().split('\n').slice(-2)
  if (!ref.startsWith('localhost/exactly:') || !archive.endsWith('.oci.tar'))
    throw new Error(`stack/install/image.sh printed no image and archive:\n${out}`)
  return { ref, archive }
}

/** buildah on the image storage `make image` uses; resolves with its stdout, rejects on failure. */
export function buildah(args: readonly string[], options: CommandOptions = {}): Promise<string> {
  return runChecked('bash', [IMAGE_SCRIPT, 'buildah', ...args], { timeoutMs: 120_000, ...options })
}
