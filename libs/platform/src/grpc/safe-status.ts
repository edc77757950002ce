import { Metadata } from '@grpc/grpc-js';
import { toWellFormed } from '@meridian/contracts';

/**
 * What goes into a gRPC status and its metadata, made safe in one place. grpc-js URI-encodes the
 * status message into an HTTP/2 trailer (encodeURI throws URIError on a lone surrogate, which
 * ended the process when an error message echoed a user's string) and refuses metadata values
 * that are not printable ASCII. Trailers also share the peer's header-list budget (8 KiB by
 * default), so an echoed 40 KB string would make the answer itself fail.
 */
export const STATUS_DETAILS_MAX_CHARS = 512;

export function safeStatusDetails(message: string): string {
  const bounded = message.length > STATUS_DETAILS_MAX_CHARS ? `${message.slice(0, STATUS_DETAILS_MAX_CHARS)}…` : message;
  return toWellFormed(bounded);
}

// Printable ASCII is what grpc-js accepts in a text (non `-bin`) metadata value.
const METADATA_UNSAFE = /[^\x20-\x7e]/gu;

/** A text metadata value grpc-js will send: anything else is percent-encoded, and bounded. */
export function safeMetadataValue(value: string): string {
  const bounded = value.length > STATUS_DETAILS_MAX_CHARS ? value.slice(0, STATUS_DETAILS_MAX_CHARS) : value;
  return bounded.replace(METADATA_UNSAFE, (ch) => encodeURIComponent(toWellFormed(ch)));
}

/** Metadata built only from safe keys and values. */
export function safeMetadata(entries: Record<string, string>): Metadata {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(entries)) {
    // Keys are ours (lower-case ASCII); a bad one is a bug worth a clear message, not a crash.
    if (!/^[0-9a-z_.-]+$/.test(k) || k.endsWith('-bin')) throw new Error(`invalid gRPC metadata key ${JSON.stringify(k)}`);
    metadata.set(k, safeMetadataValue(v));
  }
  return metadata;
}
