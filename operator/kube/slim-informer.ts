/**
 * Informers that cache only what the controller reads. client-node's ListWatch keeps every
 * object whole, and has no hook to transform one (client-go's SetTransform); this wraps its two
 * sources instead, the list function and the Watch, so each object is trimmed once, as it
 * arrives, before the cache and the event handlers see it.
 *
 * What goes: `metadata.managedFields` (the API server's server-side-apply bookkeeping, often
 * the largest part of a small object) and the `kubectl apply` annotation (a second copy of the
 * whole object). Writes never send them back: the controller patches status and finalizers by
 * path (kube-api.ts), so a trimmed copy is as good a base as the original.
 */
import {
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type ListPromise,
  ListWatch,
  type ObjectCache,
  Watch,
} from '@kubernetes/client-node'

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration'

/** Any object with metadata: client-node's models, or our StreamJob (plain JSON). */
interface WithMetadata {
  metadata?: { managedFields?: unknown; annotations?: Record<string, string> | undefined }
}

/** Drops, in place, the metadata no decision reads; the object is ours (freshly parsed). */
export function slimMetadata<T extends WithMetadata>(object: T): T {
  const metadata = object.metadata as WithMetadata['metadata']
  if (metadata) {
    delete metadata.managedFields
    if (metadata.annotations?.[LAST_APPLIED] !== undefined) delete metadata.annotations[LAST_APPLIED]
  }
  return object
}

/** A Watch whose object events pass through `transform` (ERROR and BOOKMARK carry no object of ours). */
class TransformingWatch<T> extends Watch {
  readonly #transform: (object: T) => T

  constructor(kc: KubeConfig, transform: (object: T) => T) {
    super(kc)
    this.#transform = transform
  }

  override watch(...[path, query, callback, done]: Parameters<Watch['watch']>): ReturnType<Watch['watch']> {
    return super.watch(
      path,
      query,
      (phase, object, raw) =>
        callback(phase, phase === 'ERROR' || phase === 'BOOKMARK' ? object : this.#transform(object as T), raw),
      done,
    )
  }
}

/** makeInformer (client-node), with `transform` applied to every listed and watched object. */
export function makeSlimInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  list: ListPromise<T>,
  transform: (object: T) => T,
  labelSelector?: string,
): Informer<T> & ObjectCache<T> {
  const slimList: ListPromise<T> = async () => {
    const result = await list()
    result.items = result.items.map(transform)
    return result
  }
  return new ListWatch<T>(path, new TransformingWatch(kc, transform), slimList, false, labelSelector)
}
