/**
 * readWorkerStatus (operator/worker-client.ts) against real HTTP servers on 127.0.0.1 that stand
 * in for a worker image the operator does not control: garbage bytes, a 50 MB body, JSON that is
 * not a worker status, and the real worker's /status handler. A bad answer must come back as
 * `malformed` quickly and cheaply, without the operator buffering what it was sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { serve } from '../../../contract/serve-http.ts'
import { initialWorkerStatus, type WorkerStatus } from '../../../contract/worker-status.ts'
import { MAX_STATUS_BYTES, readWorkerStatus } from '../../../operator/worker-client.ts'
import { workerHandler } from '../../../runtime/worker/handlers.ts'
import { createWorkerMetrics } from '../../../runtime/worker/worker-metrics.ts'

const HOST = '127.0.0.1'
const MB = 1024 * 1024
const servers: Server[] = []

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

async function hostile(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve))
  return (server.address() as AddressInfo).port
}

const status: WorkerStatus = {
  ...initialWorkerStatus({ namespace: 'team', name: 'counts', slot: 1, generation: 2, attempt: 1 }),
  phase: 'Running',
  ready: true,
  tasks: [1],
  lastCheckpoint: { id: 3, completedAt: '2026-11-25T10:00:00.000Z', durationMs: 12, bytes: 400, stateBytes: 400 },
  lag: 0,
}

const json = (body: unknown) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

/**
 * Streams `total` bytes of one reused 64 KiB chunk, waiting for the socket to drain (so this
 * server holds no more than a chunk), and stops when the client hangs up; `sent` counts what
 * left. With `declare`, it announces the size in content-length first.
 */
function flood(total: number, declare: boolean) {
  const chunk = Buffer.alloc(64 * 1024, '[')
  const progress = { sent: 0, hungUp: false }
  const handler = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json', ...(declare ? { 'content-length': String(total) } : {}) })
    res.on('close', () => {
      progress.hungUp = true
    })
    const pump = () => {
      while (!progress.hungUp && progress.sent < total) {
        progress.sent += chunk.length
        if (!res.write(chunk)) return void res.once('drain', pump)
      }
      if (!progress.hungUp) res.end()
    }
    pump()
  }
  return { handler, progress }
}

/** Heap plus array buffers (where response bytes would sit), sampled every few ms while `work` runs. */
async function peakGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number; ms: number }> {
  const used = () => {
    const m = process.memoryUsage()
    return m.heapUsed + m.arrayBuffers
  }
  const before = used()
  let peak = before
  const sampler = setInterval(() => {
    peak = Math.max(peak, used())
  }, 2)
  const started = performance.now()
  try {
    const result = await work()
    peak = Math.max(peak, used())
    return { result, growth: peak - before, ms: performance.now() - started }
  } finally {
    clearInterval(sampler)
  }
}

describe('readWorkerStatus()', () => {
  it('accepts what the real worker handler serves', async () => {
    const metrics = createWorkerMetrics({ job: 'counts', namespace: 'team', slot: 1 })
    const endpoints = {
      status: () => status,
      registry: metrics.registry,
      requestStop: () => {},
      refuseStop: () => 'not in this test',
      savepoint: () => ({ accepted: false as const, reason: 'not in this test' }),
    }
    const server = await serve(workerHandler(endpoints), { host: HOST, port: 0 })
    servers.push(server)
    const answer = await readWorkerStatus(HOST, (server.address() as AddressInfo).port)
    expect(answer).toEqual({ kind: 'ok', status })
  })

  it('refuses garbage bytes as malformed: not JSON', async () => {
    const port = await hostile((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x7b, 0x22, 0xc3, 0x28, 0x0a]))
    })
    const answer = await readWorkerStatus(HOST, port)
    expect(answer.kind).toBe('malformed')
    expect(answer.kind === 'malformed' && answer.reason).toMatch(/^worker status is not JSON/)
  })

  it('cuts a 50 MB body at the bound without buffering it: malformed, fast, and no 50 MB in memory', async () => {
    const { handler, progress } = flood(50 * MB, false)
    const port = await hostile(handler)
    const { result, growth, ms } = await peakGrowth(() => readWorkerStatus(HOST, port))
    expect(result).toEqual({ kind: 'malformed', reason: expect.stringMatching(/larger than 262144 bytes/) })
    expect(ms).toBeLessThan(1000)
    expect(growth).toBeLessThan(16 * MB)
    await expect.poll(() => progress.hungUp).toBe(true)
    // What left the server before the client hung up: the bound plus what socket buffers held.
    expect(progress.sent).toBeLessThan(25 * MB)
    expect(progress.sent).toBeGreaterThan(MAX_STATUS_BYTES)
  })

  it('refuses a body whose content-length is past the bound before reading any of it', async () => {
    const { handler, progress } = flood(50 * MB, true)
    const port = await hostile(handler)
    const { result, growth, ms } = await peakGrowth(() => readWorkerStatus(HOST, port))
    expect(result).toMatchObject({ kind: 'malformed' })
    expect(ms).toBeLessThan(1000)
    expect(growth).toBeLessThan(16 * MB)
    await expect.poll(() => progress.hungUp).toBe(true)
  })

  it('refuses JSON that is missing fields, naming the first one', async () => {
    const { alarms: _alarms, ...noAlarms } = status
    const answer = await readWorkerStatus(HOST, await hostile(json(noAlarms)))
    expect(answer).toEqual({ kind: 'malformed', reason: 'worker status: alarms: expected array, received undefined' })
    const empty = await readWorkerStatus(HOST, await hostile(json({})))
    expect(empty).toMatchObject({ kind: 'malformed', reason: expect.stringMatching(/^worker status: formatVersion/) })
  })

  it('accepts a valid status with fields it does not know, and cuts a huge error message', async () => {
    const noisy = { ...status, consecutiveCheckpointFailures: 1, lastCheckpointError: 'x'.repeat(100_000), future: 1 }
    const answer = await readWorkerStatus(HOST, await hostile(json(noisy)))
    expect(answer.kind).toBe('ok')
    if (answer.kind !== 'ok') return
    expect(answer.status.lastCheckpointError).toHaveLength(1024)
    expect(answer.status).not.toHaveProperty('future')
  })

  it('reports a worker that is not there, or answers with an HTTP error, as unreachable', async () => {
    const closed = await hostile(json(status))
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve))
    expect(await readWorkerStatus(HOST, closed)).toMatchObject({ kind: 'unreachable' })
    const failing = await hostile((_req, res) => {
      res.writeHead(500)
      res.end('internal error\n')
    })
    expect(await readWorkerStatus(HOST, failing)).toEqual({
      kind: 'unreachable',
      reason: 'GET /status answered HTTP 500',
    })
  })

  it('answers each worker on its own: a hostile one does not spoil a good one asked at the same time', async () => {
    const { handler } = flood(50 * MB, false)
    const [bad, good] = await Promise.all([
      hostile(handler).then((port) => readWorkerStatus(HOST, port)),
      hostile(json(status)).then((port) => readWorkerStatus(HOST, port)),
    ])
    expect(bad.kind).toBe('malformed')
    expect(good).toEqual({ kind: 'ok', status })
  })
})
