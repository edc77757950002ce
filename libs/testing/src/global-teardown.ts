import './register-paths';
import { stopChildren } from '../../../tools/launcher/src/control';

export default async function globalTeardown(): Promise<void> {
  const children = globalThis.__MERIDIAN_CHILDREN__ ?? [];
  await stopChildren(children);
}
