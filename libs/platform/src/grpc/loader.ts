import * as protoLoader from '@grpc/proto-loader';
import { loadPackageDefinition, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { GRPC_SERVICES, PLATFORM_GRPC, SERVICE_NAMES } from '@meridian/contracts';
import { protoFile, protoRoot } from '@meridian/proto';

/**
 * Options shared by the server (Nest's gRPC transport) and our clients. They must match the
 * ts-proto generation options in buf.gen.yaml: int64 as string, enums as their names.
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [],
};

export function allProtoFiles(): string[] {
  return [PLATFORM_GRPC.file, ...SERVICE_NAMES.map((s) => GRPC_SERVICES[s].file)].map((f) => protoFile(f));
}

let packageDefinition: protoLoader.PackageDefinition | undefined;
let grpcObject: GrpcObject | undefined;

function definition(): protoLoader.PackageDefinition {
  packageDefinition ??= protoLoader.loadSync(allProtoFiles(), { ...PROTO_LOADER_OPTIONS, includeDirs: [protoRoot()] });
  return packageDefinition;
}

function loaded(): GrpcObject {
  grpcObject ??= loadPackageDefinition(definition());
  return grpcObject;
}

/** Number of RPCs a service declares (0 for a contract whose first RPC has not landed yet). */
export function serviceMethodCount(pkg: string, service: string): number {
  const def = definition()[`${pkg}.${service}`];
  return def ? Object.keys(def).length : 0;
}

/** The grpc-js client constructor for a fully qualified service, e.g. meridian.auth.v1.AuthService. */
export function clientConstructor(pkg: string, service: string): ServiceClientConstructor {
  let node: unknown = loaded();
  for (const part of [...pkg.split('.'), service]) {
    node = (node as Record<string, unknown> | undefined)?.[part];
  }
  if (typeof node !== 'function') throw new Error(`gRPC service ${pkg}.${service} not found in proto/`);
  return node as ServiceClientConstructor;
}
