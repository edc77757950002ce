import type { Model } from 'mongoose';

/**
 * Paging over one UTC hour of messages by minute buckets, for the get_history exports of the chat
 * and group services. Stored messages carry `minute: "<sdkAppId>:<unix minute>"` with an index:
 * on FerretDB an equality on an indexed top-level field is an index lookup while a range (on
 * `time` or `_id`) is a full scan, so an hour is read as up to 60 equality lookups, each paged by
 * `_id` within its minute (the `_id` bound is then applied to that minute's documents only).
 */
export const HOUR_S = 3600;
const MINUTE_S = 60;

export const minuteKey = (sdkAppId: number, timeSeconds: number) => `${sdkAppId}:${Math.floor(timeSeconds / MINUTE_S)}`;

export interface HourPage<T> {
  items: T[];
  /** Empty when the hour is exhausted. */
  nextCursor: string;
}

/**
 * One page of up to `limit` documents of the hour starting at `hourStart` (unix seconds), from
 * `cursor` ("<minute offset 0-59>:<last _id>", empty for the start). `fetch(minuteKey, afterId,
 * limit)` returns a minute's documents with `_id > afterId` ('' = from the first), by `_id`.
 */
export async function hourPage<T extends { _id: string }>(
  sdkAppId: number,
  hourStart: number,
  cursor: string,
  limit: number,
  fetch: (minute: string, afterId: string, limit: number) => Promise<T[]>,
): Promise<HourPage<T>> {
  let offset = 0;
  let afterId = '';
  if (cursor) {
    const sep = cursor.indexOf(':');
    offset = Number(cursor.slice(0, sep));
    afterId = cursor.slice(sep + 1);
    if (sep < 0 || !Number.isInteger(offset) || offset < 0 || offset > 59) throw new Error('bad hour cursor');
  }
  const items: T[] = [];
  for (; offset < 60; offset++, afterId = '') {
    const want = limit - items.length;
    const got = await fetch(minuteKey(sdkAppId, hourStart + offset * MINUTE_S), afterId, want);
    items.push(...got);
    if (got.length === want) {
      const last = got[got.length - 1]!._id;
      // A full page may end exactly at the minute's end: the next call then finds nothing there.
      return { items, nextCursor: `${offset}:${last}` };
    }
  }
  return { items, nextCursor: '' };
}

/** A collection's documents of one minute bucket with _id > afterId ('' = all), by _id: the `fetch` of hourPage. */
export function findInMinute<T>(model: Model<T>, minute: string, afterId: string, limit: number): Promise<T[]> {
  return model
    .find(afterId ? { minute, _id: { $gt: afterId } } : { minute })
    .sort({ _id: 1 })
    .limit(limit)
    .lean<T[]>()
    .exec();
}
