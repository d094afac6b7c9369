/**
 * A failing worker's last words for the operator: `{reason, message}` as JSON in the container's
 * termination log, which the kubelet puts in the pod's status (`state.terminated.message`). The
 * exit code says only "failed"; this says a wrong password or a missing ACL, and the fix.
 * Messages carry no secret: Kafka and S3 errors name files, users and ACLs, never a credential.
 */
import { existsSync, writeFileSync } from 'node:fs'

/** Kubernetes' default terminationMessagePath; outside a pod there is no such file and nothing is written. */
export const TERMINATION_LOG = '/dev/termination-log'

export function writeTerminationLog(reason: string, message: string, path = TERMINATION_LOG): void {
  if (!existsSync(path)) return
  try {
    // The kubelet keeps at most 4 KiB of it.
    writeFileSync(path, JSON.stringify({ reason, message: message.slice(0, 3000) }))
  } catch {
    // Nothing to do: the exit code still tells the operator the worker failed.
  }
}
