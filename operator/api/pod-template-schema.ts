/**
 * The parts of a StreamJob that shape its worker pods: `resources` and the narrow `podTemplate`.
 * Narrow on purpose: the operator owns the container, its command, probes, security context and
 * restart policy (DESIGN section 7), so only what a platform needs to place and label pods, and
 * what a job needs in its environment, can be overridden.
 */
import { bool, int, list, obj, type Schema, str, stringMap } from './openapi.ts'

/** The pattern controller-gen emits for resource.Quantity; keeps `2Gi`, `500m`, `1e3`. */
const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$'

const quantities = (description: string): Schema => ({
  description,
  type: 'object',
  maxProperties: 16,
  additionalProperties: {
    description: 'A quantity such as 500m, 2 or 1Gi.',
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern: QUANTITY_PATTERN,
    'x-kubernetes-int-or-string': true,
  },
})

export const resourcesSchema: Schema = obj(
  'Compute resources of each worker container, as in a container\'s "resources". Set memory requests to ' +
    "cover the keyed state of the slot: a worker holds its tasks' state in memory. Unset: workers request 500m " +
    'CPU and 512Mi memory with a 2Gi memory limit, recover pods 100m and 256Mi with a 512Mi limit.',
  {
    requests: quantities('Minimum resources per worker, by resource name (cpu, memory, ephemeral-storage).'),
    limits: quantities('Maximum resources per worker, by resource name (cpu, memory, ephemeral-storage).'),
  },
)

const keyRef = (what: string): Schema =>
  obj(
    `Selects a key of a ${what} in the StreamJob's namespace.`,
    {
      name: str(`Name of the ${what}.`, { minLength: 1, maxLength: 253 }),
      key: str(`The key of the ${what} to read.`, { minLength: 1, maxLength: 253 }),
      optional: bool(`Whether the pod may start when the ${what} or its key is missing.`),
    },
    { required: ['name', 'key'] },
  )

const envVar: Schema = obj(
  'An environment variable of the worker container.',
  {
    name: str('Name of the variable. Names starting with EXACTLY_ are reserved for the operator.', {
      minLength: 1,
      maxLength: 256,
    }),
    value: str('Literal value. $(VAR) references to earlier variables are expanded, as in a Pod.', {
      maxLength: 32768,
    }),
    valueFrom: obj('Takes the value from a Secret, a ConfigMap or a field of the pod instead of "value".', {
      secretKeyRef: keyRef('Secret'),
      configMapKeyRef: keyRef('ConfigMap'),
      fieldRef: obj(
        'Selects a field of the pod, such as metadata.name or status.podIP.',
        { fieldPath: str('Path of the field, such as metadata.name.', { minLength: 1, maxLength: 256 }) },
        { required: ['fieldPath'] },
      ),
    }),
  },
  {
    required: ['name'],
    'x-kubernetes-validations': [
      {
        rule: '!(has(self.value) && has(self.valueFrom))',
        message: 'spec.podTemplate.env entries take either value or valueFrom; remove one of them',
      },
    ],
  },
)

const toleration: Schema = obj('Lets worker pods run on nodes with a matching taint, as in a Pod.', {
  key: str('Taint key to match; empty with operator Exists matches every taint.', { maxLength: 316 }),
  operator: str('Exists matches any value; Equal (the default) requires "value" to match.', {
    enum: ['Exists', 'Equal'],
  }),
  value: str('Taint value to match when operator is Equal.', { maxLength: 63 }),
  effect: str('Taint effect to match; empty matches all effects.', {
    enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'],
  }),
  tolerationSeconds: int('For NoExecute: how long a pod stays bound after the taint appears.', {
    format: 'int64',
  }),
})

export const podTemplateSchema: Schema = obj(
  'A narrow override of the worker pods. The operator owns the container, its command, probes, security ' +
    'context and restart policy; these fields add placement, metadata and environment.',
  {
    labels: stringMap(
      'Labels added to every worker pod. The exactly.dev/ prefix is reserved: the operator selects its pods by it.',
      {
        maxProperties: 64,
        'x-kubernetes-validations': [
          {
            rule: "self.all(k, !k.startsWith('exactly.dev/'))",
            message:
              'spec.podTemplate.labels must not use the exactly.dev/ prefix, which the operator owns; rename the label',
          },
        ],
      },
    ),
    annotations: stringMap('Annotations added to every worker pod.', { maxProperties: 64 }),
    nodeSelector: stringMap('Node labels a worker pod requires, as in a Pod.', { maxProperties: 64 }),
    tolerations: list('Tolerations of the worker pods, as in a Pod.', toleration, {
      maxItems: 32,
      'x-kubernetes-list-type': 'atomic',
    }),
    serviceAccountName: str(
      'Service account of the worker pods. Workers call no Kubernetes API and mount no token; set it only ' +
        'for identity-based access to Kafka or S3 (e.g. IRSA, workload identity). Defaults to "default".',
      { maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' },
    ),
    env: list("Environment variables added to the worker container (for the job's own use).", envVar, {
      maxItems: 64,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-validations': [
        {
          rule: "self.all(e, !e.name.startsWith('EXACTLY_'))",
          message:
            'spec.podTemplate.env must not set variables named EXACTLY_*, which configure the worker; rename the variable',
        },
      ],
    }),
  },
)
