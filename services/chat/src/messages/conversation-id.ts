/** `c2c:<a>:<b>` with the two ids in sorted order (DESIGN): both parties share one conversation. */
export function c2cConversationId(a: string, b: string): string {
  return a < b ? `c2c:${a}:${b}` : `c2c:${b}:${a}`;
}
