/** The seven Meridian services. Every region runs all of them. */
export const SERVICE_NAMES = ['gateway', 'auth', 'chat', 'group', 'relationship', 'push', 'callback'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export function isServiceName(value: string): value is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(value);
}

/** gRPC package and service name of each service's own contract (proto/meridian/<service>/v1). */
export const GRPC_SERVICES: Record<ServiceName, { pkg: string; service: string; file: string }> = {
  gateway: { pkg: 'meridian.gateway.v1', service: 'GatewayService', file: 'meridian/gateway/v1/gateway.proto' },
  auth: { pkg: 'meridian.auth.v1', service: 'AuthService', file: 'meridian/auth/v1/auth.proto' },
  chat: { pkg: 'meridian.chat.v1', service: 'ChatService', file: 'meridian/chat/v1/chat.proto' },
  group: { pkg: 'meridian.group.v1', service: 'GroupService', file: 'meridian/group/v1/group.proto' },
  relationship: {
    pkg: 'meridian.relationship.v1',
    service: 'RelationshipService',
    file: 'meridian/relationship/v1/relationship.proto',
  },
  push: { pkg: 'meridian.push.v1', service: 'PushService', file: 'meridian/push/v1/push.proto' },
  callback: { pkg: 'meridian.callback.v1', service: 'CallbackService', file: 'meridian/callback/v1/callback.proto' },
};

/** Served by every process next to its own service (liveness and data-plane self-test). */
export const PLATFORM_GRPC = {
  pkg: 'meridian.platform.v1',
  service: 'PlatformService',
  file: 'meridian/platform/v1/platform.proto',
} as const;
