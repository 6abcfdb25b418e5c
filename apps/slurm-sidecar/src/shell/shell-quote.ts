/**
 * POSIX single-quote quoting: the only quoting in which no character is special, so any
 * string without NUL reaches the command as exactly one word. NUL cannot exist in an argv
 * element at all, so it is rejected instead of silently truncating the word.
 */
export function shellQuote(word: string): string {
  if (word.includes('\0')) throw new Error('a shell word cannot contain a NUL byte');
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  // sbatch refuses scripts containing "\r\n" (DOS line breaks): close and reopen the quotes
  // between the two characters, which leaves the word unchanged.
  return `'${word.replaceAll("'", `'\\''`).replaceAll('\r\n', "\r''\n")}'`;
}

/** Quotes every word and joins them with single spaces. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
