/**
 * Generated gRPC contracts and Kafka event schemas (ts-proto, from proto/), plus the one helper
 * that locates the .proto files at run time. Import only through this index.
 */
export * as platformV1 from './gen/meridian/platform/v1/platform';
export * as eventsV1 from './gen/meridian/events/v1/envelope';
export * as eventPayloadsV1 from './gen/meridian/events/v1/platform';
export * as authEventsV1 from './gen/meridian/events/v1/auth';
export * as pushEventsV1 from './gen/meridian/events/v1/push';
export * as relationshipEventsV1 from './gen/meridian/events/v1/relationship';
export * as chatEventsV1 from './gen/meridian/events/v1/chat';
export * as groupEventsV1 from './gen/meridian/events/v1/group';
export * as originEventsV1 from './gen/meridian/events/v1/origin';
export * as recallEventsV1 from './gen/meridian/events/v1/recall';
export * as gatewayV1 from './gen/meridian/gateway/v1/gateway';
export * as authV1 from './gen/meridian/auth/v1/auth';
export * as chatV1 from './gen/meridian/chat/v1/chat';
export * as groupV1 from './gen/meridian/group/v1/group';
export * as relationshipV1 from './gen/meridian/relationship/v1/relationship';
export * as pushV1 from './gen/meridian/push/v1/push';
export * as callbackV1 from './gen/meridian/callback/v1/callback';
export { protoRoot, protoFile } from './proto-path';
