/**
 * Failpoints: named protocol steps where a test makes the worker kill itself with SIGKILL, so
 * crashes land exactly between two steps of DESIGN sections 4–5 instead of at a random moment.
 * Set with EXACTLY_FAILPOINTS, a comma-separated list of `step` or `step@checkpointId`
 * (`after-manifest@2`: at checkpoint 2; a bare `step` fires the first time the step is reached),
 * each optionally followed by `=stop`: the process then freezes itself with SIGSTOP instead,
 * so a test can make it a zombie at an exact step and wake it with SIGCONT.
 * Production never sets it; an unknown step name is refused so a typo cannot disable a test.
 */
import { FAILPOINTS, type Failpoint } from '../checkpoint/failpoint.ts'

export interface FailpointRule {
  step: Failpoint
  /** undefined: the first time the step is reached. */
  checkpointId: number | undefined
  action: 'kill' | 'stop'
}

export function parseFailpoints(spec: string | undefined): FailpointRule[] {
  if (!spec?.trim()) return []
  return spec.split(',').map((part) => {
    const [rule = '', action = 'kill'] = part.trim().split('=')
    if (action !== 'kill' && action !== 'stop') {
      throw new RangeError(`Invalid EXACTLY_FAILPOINTS: "${part.trim()}" may end in =kill or =stop, not =${action}`)
    }
    const [step = '', at] = rule.split('@')
    if (!(FAILPOINTS as readonly string[]).includes(step)) {
      throw new RangeError(
        `Invalid EXACTLY_FAILPOINTS: unknown step "${step}"; use one of ${FAILPOINTS.join(', ')}, optionally with @<checkpointId>`,
      )
    }
    if (at !== undefined && !/^\d+$/.test(at)) {
      throw new RangeError(`Invalid EXACTLY_FAILPOINTS: "${part.trim()}" must end in @<checkpointId> (digits)`)
    }
    return { step: step as Failpoint, checkpointId: at === undefined ? undefined : Number(at), action }
  })
}

/** What `rules` say to do at `step` of checkpoint `checkpointId`: kill, stop, or nothing. */
export function failpointAction(
  rules: readonly FailpointRule[],
  step: Failpoint,
  checkpointId: number,
): 'kill' | 'stop' | undefined {
  return rules.find((r) => r.step === step && (r.checkpointId === undefined || r.checkpointId === checkpointId))?.action
}
