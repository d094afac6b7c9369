/**
 * `exactly operator`: wiring only. Settings come from the environment the chart sets:
 *   KUBECONFIG (else in-cluster), POD_NAME, POD_NAMESPACE, EXACTLY_WATCH_NAMESPACES (comma list,
 *   empty = all), EXACTLY_LEADER_ELECTION_NAMESPACE, EXACTLY_METRICS_PORT (8081),
 *   EXACTLY_METRICS_HOST (0.0.0.0), EXACTLY_LOG_LEVEL (info), EXACTLY_STOP_SIGNING_KEY, and the
 *   workers' NetworkPolicy: EXACTLY_NETWORK_POLICY, EXACTLY_OPERATOR_POD_LABELS,
 *   EXACTLY_NETWORK_POLICY_METRICS_FROM (model/network-policy-settings.ts).
 *   workers' PodDisruptionBudget: EXACTLY_POD_DISRUPTION_BUDGET ("false" turns it off).
 */
import { hostname } from 'node:os'
import { pino } from 'pino'
import { serve } from '../contract/serve-http.ts'
import { stopKeyPair } from '../contract/stop-request.ts'
import { systemClock } from './clock.ts'
import { StreamJobController } from './controller/streamjob-controller.ts'
import { StreamJobInformers } from './kube/informers.ts'
import { KubeApi } from './kube/kube-api.ts'
import { LeaderElector } from './kube/leader-election.ts'
import { PooledKubeConfig } from './kube/pooled-kube-config.ts'
import { parseNetworkPolicySettings } from './model/network-policy-settings.ts'
import { createOperatorMetrics } from './operator-metrics.ts'
import type { DecideSettings } from './reconcile/decide.ts'

export const DEFAULT_SETTINGS: DecideSettings = {
  notReadyDeadlineMs: 5 * 60_000,
  stopTimeoutMs: 3 * 60_000,
  maxRecoverAttempts: 5,
  pollMs: 1000,
  statusPollMs: 5000,
}

/** `handOver` is called once the operator's own SIGTERM handler is in place (runtime/cli/stop-while-loading.ts). */
export async function runOperator(env: NodeJS.ProcessEnv, handOver: () => void = () => {}): Promise<number> {
  const log = pino(
    { level: env.EXACTLY_LOG_LEVEL ?? 'info', base: { component: 'operator' } },
    pino.destination({ dest: 1, sync: true }),
  )
  // One connection pool for every request and watch (see pooled-kube-config.ts).
  const kc = new PooledKubeConfig()
  kc.loadFromDefault()
  const api = new KubeApi(kc)
  const metrics = createOperatorMetrics()
  const identity = env.POD_NAME ?? `${hostname()}-${process.pid}`
  // The one place that picks the real clock; every part below takes it as a parameter.
  const clock = systemClock
  const namespaces = (env.EXACTLY_WATCH_NAMESPACES ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean)
  // Read before anything starts: a setting the chart got wrong stops the operator with its name.
  const networkPolicy = parseNetworkPolicySettings(env)
  // On unless the chart says "false" (podDisruptionBudget.enabled).
  const podDisruptionBudget = env.EXACTLY_POD_DISRUPTION_BUDGET !== 'false'
  if (!networkPolicy)
    log.warn('EXACTLY_NETWORK_POLICY is not "true": no NetworkPolicy limits who reaches the workers\' port')
  // The chart keeps the key in a Secret, so every replica and restart signs alike. Without one,
  // stop requests of this process are refused by workers an earlier leader started: their
  // layout change then closes the old generation with a recover pod, which is always safe.
  const stopKeys = stopKeyPair(env.EXACTLY_STOP_SIGNING_KEY || undefined)
  if (!env.EXACTLY_STOP_SIGNING_KEY)
    log.warn('EXACTLY_STOP_SIGNING_KEY is not set: signing stop requests with a key of this process only')
  const controller = new StreamJobController({
    informers: new StreamJobInformers({ kc, api, log, namespaces }),
    api,
    log,
    metrics,
    settings: { ...DEFAULT_SETTINGS, stopKey: stopKeys.publicKeyPem, networkPolicy, podDisruptionBudget },
    identity,
    clock,
    stopSigningKey: stopKeys.privateKey,
  })
  const elector = new LeaderElector({
    api,
    namespace: env.EXACTLY_LEADER_ELECTION_NAMESPACE ?? env.POD_NAMESPACE ?? 'default',
    name: 'exactly-operator',
    identity,
    log,
    clock,
  })
  const text = (status: number, body: string) =>
    new Response(body, { status, headers: { 'content-type': 'text/plain' } })
  const port = Number(env.EXACTLY_METRICS_PORT ?? 8081)
  const server = await serve(
    async (request) => {
      const { pathname } = new URL(request.url)
      if (pathname === '/healthz') return text(200, 'ok\n')
      if (pathname === '/readyz') {
        // A follower is ready (it stands by); a leader once its caches are filled.
        return !elector.leading || controller.synced ? text(200, 'ready\n') : text(503, 'filling caches\n')
      }
      if (pathname === '/metrics') {
        return new Response(await metrics.registry.metrics(), {
          headers: { 'content-type': metrics.registry.contentType },
        })
      }
      return text(404, 'try /healthz, /readyz or /metrics\n')
    },
    { host: env.EXACTLY_METRICS_HOST ?? '0.0.0.0', port },
  )
  log.info({ identity, namespaces: namespaces.length ? namespaces : 'all', port }, 'operator started; waiting to lead')

  return new Promise<number>((resolve) => {
    const shutdown = (code: number, why: string) => {
      log.info({ why }, 'operator stopping')
      elector.stop()
      void controller.stop().finally(() => {
        server.close()
        void kc.close()
        resolve(code)
      })
    }
    process.once('SIGTERM', () => shutdown(0, 'SIGTERM'))
    process.once('SIGINT', () => shutdown(0, 'SIGINT'))
    handOver()
    // Losing the lease means another replica may act: stop at once; the pod restarts as a follower.
    void elector
      .run(() => shutdown(1, 'lost the leadership'))
      .then(() => controller.start())
      .then(() => log.info('leading: caches filled, reconciling'))
      .catch((error: unknown) => {
        log.error({ err: error }, 'cannot start the controller')
        shutdown(1, 'start failed')
      })
  })
}
