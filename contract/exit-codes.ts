/**
 * How a worker process ends, as the operator reads it from the pod's container status. Part of
 * the wire: the operator decides restarts from these numbers.
 *   0  stopped on request after a final checkpoint and its commit: no transaction left open
 *   1  the slot failed (see /status `failure` and the last log line); restart it from its head
 *   2  the configuration, the job module or the stored state is unusable (a corrupt or missing
 *      snapshot at the head, a checkpoint without a task this slot owns): restarting will not
 *      help, the job needs a person (fix it, or `restoreFrom` an older checkpoint)
 *   3  superseded: a newer attempt owns the slot; this process was a zombie
 */
export const EXIT_STOPPED = 0
export const EXIT_FAILED = 1
export const EXIT_NEEDS_A_PERSON = 2
export const EXIT_SUPERSEDED = 3
