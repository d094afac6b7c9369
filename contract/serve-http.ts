/**
 * Binds a `(Request) → Response` handler to node:http: the transport of the worker's endpoints,
 * which the operator reads, and of the operator's own. Both sides serve through this one file.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'

export async function serve(
  handler: (request: Request) => Promise<Response>,
  options: { host: string; port: number },
): Promise<Server> {
  const server = createServer(async (req, res) => {
    try {
      const response = await handler(toRequest(req, options))
      res.writeHead(response.status, Object.fromEntries(response.headers))
      res.end(Buffer.from(await response.arrayBuffer()))
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(`internal error: ${(error as Error).message}\n`)
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  return server
}

function toRequest(req: IncomingMessage, options: { host: string; port: number }): Request {
  const url = new URL(req.url ?? '/', `http://${options.host}:${options.port}`)
  // The endpoints take no bodies: POST /stop carries its meaning in the path and its
  // signature in headers (contract/stop-request.ts).
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value)
  }
  return new Request(url, { method: req.method ?? 'GET', headers })
}
