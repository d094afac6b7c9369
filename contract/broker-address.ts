/**
 * What a broker address may look like, for the StreamJob CRD and the worker config alike, so the
 * API server never admits an address the worker then refuses. The Kafka client (kafkajs) splits
 * a bootstrap address at its first ':', so an IPv6 literal such as [::1]:9092 cannot work: both
 * sides refuse it, with the same fix (a DNS name that resolves to that address).
 */

/** host:port with a DNS name or an IPv4 address; a regular expression both CEL (RE2) and JS accept. */
export const BROKER_ADDRESS_PATTERN = '^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:[0-9]{1,5}$'

export const BROKER_ADDRESS_RULE =
  'must be host:port with a DNS name or an IPv4 address, such as kafka-0.kafka:9092 or 10.0.0.7:9092; an IPv6 literal such as [::1]:9092 is not supported by the Kafka client: use a DNS name that resolves to it'
