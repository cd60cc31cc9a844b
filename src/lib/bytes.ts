const encoder = new TextEncoder();

/** UTF-8 size of a string; pure-ASCII text (the common case for JSON) skips the encode. */
export function byteLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point
  return /^[\x00-\x7f]*$/.test(text) ? text.length : encoder.encode(text).byteLength;
}
