import { Injectable } from '@nestjs/common';
import type { RestCommand } from './rest.types';

/**
 * The REST commands this gateway serves. Feature modules register their commands at start-up
 * (in onModuleInit); the pipeline never changes when a command is added.
 */
@Injectable()
export class RestCommandRegistry {
  private readonly commands = new Map<string, RestCommand>();

  register(...commands: RestCommand[]): void {
    for (const c of commands) {
      if (this.commands.has(c.path)) throw new Error(`REST command ${c.path} registered twice`);
      this.commands.set(c.path, c);
    }
  }

  find(path: string): RestCommand | undefined {
    return this.commands.get(path);
  }

  paths(): string[] {
    return [...this.commands.keys()].sort();
  }
}
