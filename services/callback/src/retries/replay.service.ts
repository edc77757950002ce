import { Inject, Injectable, Logger } from '@nestjs/common';
import { RetryRepository } from './retry.repository';

/** Puts an app's dead letters back into the retry queue, due now, with a fresh attempt budget. */
@Injectable()
export class ReplayService {
  private readonly logger = new Logger(ReplayService.name);

  constructor(@Inject(RetryRepository) private readonly repo: RetryRepository) {}

  async replay(sdkAppId: number, limit: number): Promise<number> {
    const letters = await this.repo.deadLetters(sdkAppId, limit);
    for (const d of letters) {
      const { _id, deadAtMs: _dead, ...input } = d;
      // Queued first, then removed: a crash in between replays it twice, never loses it.
      await this.repo.schedule({ ...input, attempts: 0, lastError: '' }, Date.now());
      await this.repo.removeDeadLetter(_id);
    }
    this.logger.log({ sdkAppId, replayed: letters.length }, 'dead letters replayed');
    return letters.length;
  }
}
