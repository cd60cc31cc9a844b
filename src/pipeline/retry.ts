/** Exponential backoff for a message's next try: 2 s, 4 s, 8 s … capped at 5 minutes. */
export function backoffSeconds(attempts: number): number {
  return Math.min(2 ** Math.max(1, attempts), 300);
}
