/**
 * SIGTERM and SIGINT end a long-running command at once until it installs its own handlers.
 *
 * Why: in a container the command is PID 1, and the kernel drops every signal PID 1 has no
 * handler for. Loading the worker (its modules, the job module, the clients) takes a good part of
 * a second; a worker pod deleted in that window (the operator deletes a replacement that is still
 * starting when a layout change begins) ignored the kubelet's SIGTERM and held the change until the
 * grace period's SIGKILL. Nothing has started yet, so exiting is the whole of a clean stop.
 * Loading seldom lets the event loop turn, so a signal that arrives then is often delivered
 * only after the command's own handler took over (the worker then stops after restoring): either
 * way it is seen, where before it was lost.
 */
export function exitOnStopWhileLoading(command: string, exitCode: number): () => void {
  // The command's logger is not loaded yet: lines in the same JSON shape. The first one also
  // dates the start, so the log shows how long loading took.
  const log = (msg: string, extra: object = {}) =>
    process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), component: command, ...extra, msg })}\n`)
  const exit = (signal: NodeJS.Signals) => {
    log(`${signal} while starting: exiting before any work`, { signal })
    process.exit(exitCode)
  }
  process.on('SIGTERM', exit)
  process.on('SIGINT', exit)
  log(`${command} starting: loading`)
  return () => {
    process.off('SIGTERM', exit)
    process.off('SIGINT', exit)
  }
}
