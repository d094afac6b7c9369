/**
 * `spec.kafka.tls` and `spec.kafka.authentication`, in the shapes of Strimzi's KafkaConnect and
 * KafkaBridge (`tls.trustedCertificates[]`, `authentication.type` with `passwordSecret`,
 * `certificateAndKey` and an OAuth `accessToken`), so the Secrets Strimzi makes (the cluster CA
 * Secret, a KafkaUser's Secret) are referenced as they are. Secrets reach pods only as mounted
 * files (operator/model/kafka-access.ts).
 */
import { bool, list, obj, type Schema, str } from './openapi.ts'

const secretName = (path: string): Schema =>
  str(`Name of the Secret in the StreamJob's namespace (${path}).`, {
    minLength: 1,
    maxLength: 253,
    pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
  })

const secretKey = (description: string): Schema =>
  str(description, { minLength: 1, maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$' })

export const PASSWORD_TYPES = ['scram-sha-256', 'scram-sha-512', 'plain'] as const
export const AUTHENTICATION_TYPES = ['tls', ...PASSWORD_TYPES, 'oauth'] as const

export const kafkaTlsSchema: Schema = obj(
  'Connect with TLS. Without trustedCertificates the brokers must present a certificate from a public CA ' +
    "(Node's bundled list), as Confluent Cloud and Amazon MSK do.",
  {
    trustedCertificates: list(
      "CA certificates that may sign the brokers' certificates, such as Strimzi's <cluster>-cluster-ca-cert Secret and its ca.crt key.",
      obj(
        'One PEM certificate in a Secret.',
        {
          secretName: secretName('spec.kafka.tls.trustedCertificates[].secretName'),
          certificate: secretKey('The key of the Secret holding the PEM certificate, such as ca.crt.'),
        },
        { required: ['secretName', 'certificate'] },
      ),
      { maxItems: 8 },
    ),
  },
)

export const kafkaAuthenticationSchema: Schema = obj(
  'How the workers authenticate to Kafka. The principal needs the ACLs listed in docs/kafka-security.md.',
  {
    type: str(
      'tls: a client certificate (needs spec.kafka.tls); scram-sha-256, scram-sha-512 and plain: a user name and ' +
        'password over SASL; oauth: an OAUTHBEARER token read from a Secret (Amazon MSK IAM works through it, docs/kafka-security.md).',
      { enum: [...AUTHENTICATION_TYPES] },
    ),
    username: str('The SASL user name (scram-* and plain), such as the KafkaUser name.', {
      minLength: 1,
      maxLength: 253,
    }),
    passwordSecret: obj(
      'The Secret key holding the password (scram-* and plain), such as a KafkaUser Secret and its password key.',
      {
        secretName: secretName('spec.kafka.authentication.passwordSecret.secretName'),
        password: secretKey('The key of the Secret holding the password.'),
      },
      { required: ['secretName', 'password'] },
    ),
    certificateAndKey: obj(
      'The client certificate and its key, both PEM (type tls), such as a KafkaUser Secret with user.crt and user.key.',
      {
        secretName: secretName('spec.kafka.authentication.certificateAndKey.secretName'),
        certificate: secretKey('The key holding the certificate, such as user.crt.'),
        key: secretKey('The key holding the private key, such as user.key.'),
      },
      { required: ['secretName', 'certificate', 'key'] },
    ),
    accessToken: obj(
      'The Secret key holding the current OAuth access token (type oauth). Whatever issues tokens keeps it fresh; ' +
        'each new connection reads it again.',
      {
        secretName: secretName('spec.kafka.authentication.accessToken.secretName'),
        key: secretKey('The key of the Secret holding the token.'),
      },
      { required: ['secretName', 'key'] },
    ),
    allowPlaintext: bool(
      'Allow SASL credentials or tokens without spec.kafka.tls, that is unencrypted on the network. Only for a network you trust.',
    ),
  },
  {
    required: ['type'],
    'x-kubernetes-validations': [
      {
        rule: "self.type != 'tls' || has(self.certificateAndKey)",
        message:
          'spec.kafka.authentication.certificateAndKey is required for type tls: name the Secret with the client certificate and key (a Strimzi KafkaUser Secret has user.crt and user.key)',
      },
      {
        rule: `!(self.type in ${JSON.stringify(PASSWORD_TYPES).replaceAll('"', "'")}) || (has(self.username) && has(self.passwordSecret))`,
        message:
          'spec.kafka.authentication.username and passwordSecret are required for types scram-sha-256, scram-sha-512 and plain: set the user name and the Secret key holding its password',
      },
      {
        rule: "self.type != 'oauth' || has(self.accessToken)",
        message:
          'spec.kafka.authentication.accessToken is required for type oauth: name the Secret key holding the current token',
      },
    ],
  },
)

/** The rules on `spec.kafka` that tie authentication to TLS. */
export const KAFKA_SECURITY_RULES = [
  {
    rule: "!has(self.authentication) || self.authentication.type != 'tls' || has(self.tls)",
    fieldPath: '.authentication.type',
    message:
      'spec.kafka.authentication type tls presents a client certificate, which needs spec.kafka.tls: add tls: {} (and trustedCertificates unless the brokers use a public CA)',
  },
  {
    rule:
      "!has(self.authentication) || self.authentication.type == 'tls' || has(self.tls) || " +
      '(has(self.authentication.allowPlaintext) && self.authentication.allowPlaintext)',
    fieldPath: '.authentication',
    message:
      'spec.kafka.authentication without spec.kafka.tls would send credentials unencrypted: add spec.kafka.tls, or set spec.kafka.authentication.allowPlaintext: true if the network is trusted',
  },
]
