import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PlatformConfig } from '../config/platform-config';

/**
 * One registry per service (several services may share a process in the all-in-one launcher).
 * Platform-wide metrics are named meridian_<subsystem>_<what>_<unit> rather than carrying the
 * service in the name: one dashboard then serves all seven services, keyed by the `service` label.
 * Service-specific metrics use meridian_<service>_<what>_<unit>. No user or conversation ids as labels.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly grpcServerHandled: Counter<'service_name' | 'method' | 'code'>;
  readonly grpcServerSeconds: Histogram<'service_name' | 'method'>;
  readonly grpcClientHandled: Counter<'target_service' | 'target_region' | 'method' | 'code'>;
  readonly grpcClientSeconds: Histogram<'target_service' | 'target_region' | 'method'>;
  readonly kafkaProduced: Counter<'topic' | 'result'>;
  readonly kafkaConsumed: Counter<'topic' | 'group' | 'result'>;
  readonly kafkaHandleSeconds: Histogram<'topic' | 'group'>;
  readonly kafkaGroupJoins: Counter<'group'>;

  constructor(config: Pick<PlatformConfig, 'service' | 'region'>) {
    this.registry.setDefaultLabels({ service: config.service, region: config.region });
    collectDefaultMetrics({ register: this.registry, prefix: 'meridian_' });
    const registers = [this.registry];
    const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
    this.grpcServerHandled = new Counter({
      name: 'meridian_grpc_server_handled_total',
      help: 'gRPC calls served, by method and status code',
      labelNames: ['service_name', 'method', 'code'],
      registers,
    });
    this.grpcServerSeconds = new Histogram({
      name: 'meridian_grpc_server_handling_seconds',
      help: 'Time to serve a gRPC call',
      labelNames: ['service_name', 'method'],
      buckets,
      registers,
    });
    this.grpcClientHandled = new Counter({
      name: 'meridian_grpc_client_handled_total',
      help: 'gRPC calls made, by target and status code',
      labelNames: ['target_service', 'target_region', 'method', 'code'],
      registers,
    });
    this.grpcClientSeconds = new Histogram({
      name: 'meridian_grpc_client_handling_seconds',
      help: 'Round-trip time of gRPC calls made',
      labelNames: ['target_service', 'target_region', 'method'],
      buckets,
      registers,
    });
    this.kafkaProduced = new Counter({
      name: 'meridian_kafka_produced_total',
      help: 'Kafka records produced',
      labelNames: ['topic', 'result'],
      registers,
    });
    this.kafkaConsumed = new Counter({
      name: 'meridian_kafka_consumed_total',
      help: 'Kafka records consumed, by handler result',
      labelNames: ['topic', 'group', 'result'],
      registers,
    });
    this.kafkaHandleSeconds = new Histogram({
      name: 'meridian_kafka_handle_seconds',
      help: 'Time to handle one consumed Kafka record',
      labelNames: ['topic', 'group'],
      buckets,
      registers,
    });
    this.kafkaGroupJoins = new Counter({
      name: 'meridian_kafka_group_joins_total',
      help: 'Consumer group joins (the first one and every rebalance); records not yet committed at a rebalance are handled again',
      labelNames: ['group'],
      registers,
    });
  }
}
