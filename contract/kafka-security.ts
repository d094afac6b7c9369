/**
 * How a worker, a recover pod or a CLI command authenticates to Kafka: TLS (trusted CAs and an
 * optional client certificate) and SASL. The config holds file paths only: the operator mounts
 * the referenced Secrets as files (docs/kafka-security.md), so no secret is ever in a config,
 * an environment variable or a log line. Token and password files are read when a connection
 * authenticates, so a rotated file is used by the next connection.
 */
import { z } from 'zod'

const file = z.string().min(1, 'must be a file path')

export const SASL_PASSWORD_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const

export const kafkaSecuritySchema = z
  .object({
    /** Absent: plaintext connections. */
    tls: z
      .object({
        /** PEM files of the CAs that may sign the brokers' certificates; empty: Node's bundled CAs. */
        caFiles: z.array(file).default([]),
        /** A client certificate and its key (PEM) for mTLS: both or neither. */
        certFile: file.optional(),
        keyFile: file.optional(),
      })
      .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
        message: 'certFile and keyFile go together: give both for a client certificate, or neither',
      })
      .optional(),
    sasl: z
      .union([
        z.object({
          mechanism: z.enum(SASL_PASSWORD_MECHANISMS),
          username: z.string().min(1),
          passwordFile: file,
        }),
        z.object({
          mechanism: z.literal('oauthbearer'),
          /** A file holding the current token (a JWT), re-read at each authentication. */
          tokenFile: file,
        }),
      ])
      .optional(),
  })
  .default({})

export type KafkaSecurity = z.infer<typeof kafkaSecuritySchema>
