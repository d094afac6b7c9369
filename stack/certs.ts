/**
 * Certificates for the local control plane, made with the system's openssl: one CA that signs
 * the API server's serving certificate and the client certificates, and a key pair that signs
 * service-account tokens. Mirrors what controller-runtime's envtest generates.
 */

import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCommand } from './run-command.ts'

export interface ClientCert {
  certFile: string
  keyFile: string
}

export interface ControlPlaneCerts {
  dir: string
  caCert: string
  caKey: string
  serving: ClientCert
  admin: ClientCert
  /** The kubelet's client certificate (system:node:<name> in system:nodes, for the Node authorizer). */
  node: ClientCert
  serviceAccountKey: string
  serviceAccountPub: string
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const result = await runCommand('openssl', args, { cwd }).catch((error: Error) => {
    throw new Error(`Cannot run openssl ${args[0]}: ${error.message}`, { cause: error })
  })
  if (result.code !== 0) throw new Error(`Cannot run openssl ${args[0]}: ${result.stderr}`)
}

async function ecKey(dir: string, file: string): Promise<void> {
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file], dir)
}

const serial = () => `0x${randomBytes(12).toString('hex')}`

/** A self-signed CA in `dir` (`ca.key`, `ca.crt`), to sign with `signed`. */
export async function createCa(dir: string, commonName: string): Promise<string> {
  await ecKey(dir, 'ca.key')
  await openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-subj', `/CN=${commonName}`, '-days', '365', '-out', 'ca.crt'],
    dir,
  )
  return join(dir, 'ca.crt')
}

export const CLIENT_AUTH = 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n'

/**
 * Signs a certificate for `subject` with the CA in `dir` (createCa); `extensions` is an openssl
 * extension section. The key is PKCS#8, the one PEM form Kafka's keystores read.
 */
export async function signed(
  dir: string,
  base: string,
  subject: string,
  extensions: string,
  /** -1 makes a certificate that expired yesterday (for tests of an expired client certificate). */
  days = 365,
): Promise<ClientCert> {
  const keyFile = join(dir, `${base}.key`)
  const certFile = join(dir, `${base}.crt`)
  await ecKey(dir, `${base}.sec1.key`)
  await openssl(['pkcs8', '-topk8', '-nocrypt', '-in', `${base}.sec1.key`, '-out', keyFile], dir)
  await openssl(['req', '-new', '-key', keyFile, '-subj', subject, '-out', `${base}.csr`], dir)
  await writeFile(join(dir, `${base}.ext`), extensions)
  await openssl(
    // A random serial, not -CAcreateserial: certificates may be signed concurrently.
    ['x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', serial()].concat([
      '-days',
      String(days),
      '-sha256',
      '-extfile',
      `${base}.ext`,
      '-out',
      certFile,
    ]),
    dir,
  )
  return { certFile, keyFile }
}

/** `host`: the address the API server listens on; `nodeName`: the node whose kubelet gets a certificate. */
export async function createControlPlaneCerts(dir: string, host: string, nodeName: string): Promise<ControlPlaneCerts> {
  await createCa(dir, 'exactly-test-ca')
  const serving = await signed(
    dir,
    'apiserver',
    '/CN=kube-apiserver',
    // 10.0.0.1 is the `kubernetes` Service IP of --service-cluster-ip-range=10.0.0.0/24.
    `subjectAltName=IP:127.0.0.1,IP:${host},DNS:localhost,IP:10.0.0.1,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n`,
  )
  const admin = await signed(dir, 'admin', '/O=system:masters/CN=exactly-admin', CLIENT_AUTH)
  const node = await signed(dir, 'node', `/O=system:nodes/CN=system:node:${nodeName}`, CLIENT_AUTH)
  await openssl(['genrsa', '-out', 'sa.key', '2048'], dir)
  await openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir)
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serving,
    admin,
    node,
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
  }
}

/** A kubeconfig that authenticates with a client certificate (the admin) or a bearer token (a pod). */
export async function kubeconfigYaml(
  server: string,
  caCert: string,
  user: { cert: ClientCert } | { token: string },
  name = 'exactly-local',
): Promise<string> {
  const credentials =
    'token' in user
      ? { token: user.token }
      : {
          'client-certificate-data': (await readFile(user.cert.certFile)).toString('base64'),
          'client-key-data': (await readFile(user.cert.keyFile)).toString('base64'),
        }
  return kubeconfigText(server, await readFile(caCert), credentials, name)
}

/** A kubeconfig of one cluster, one user and one context, all called `name`, in JSON (which is YAML). */
export function kubeconfigText(
  server: string,
  caPem: string | Buffer,
  credentials: Record<string, string>,
  name: string,
  namespace = 'default',
): string {
  const ca = Buffer.from(caPem).toString('base64')
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { server, 'certificate-authority-data': ca } }],
      users: [{ name, user: credentials }],
      contexts: [{ name, context: { cluster: name, user: name, namespace } }],
      'current-context': name,
    },
    null,
    2,
  )
}
