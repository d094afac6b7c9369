/**
 * The four prom-client classes the worker uses, each required from its own file. prom-client's
 * index also loads its default process metrics, which require @opentelemetry/api (51 modules),
 * the cluster aggregator and the push gateway client: a seventh of the modules a worker loads at
 * start, for code it never runs, and module loading is most of what a recovery waits for
 * (docs/performance.md, "Recovery"). The types are prom-client's own.
 */
import { createRequire } from 'node:module'
import type * as PromClient from 'prom-client'

const require = createRequire(import.meta.url)

export const Registry = require('prom-client/lib/registry') as typeof PromClient.Registry
export const Counter = require('prom-client/lib/counter') as typeof PromClient.Counter
export const Gauge = require('prom-client/lib/gauge') as typeof PromClient.Gauge
export const Histogram = require('prom-client/lib/histogram') as typeof PromClient.Histogram
export type Registry = PromClient.Registry
export type Counter<T extends string = string> = PromClient.Counter<T>
export type Gauge<T extends string = string> = PromClient.Gauge<T>
export type Histogram<T extends string = string> = PromClient.Histogram<T>
