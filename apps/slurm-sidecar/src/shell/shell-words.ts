/**
 * Splits annotation text into words the way a POSIX shell tokenises a simple command
 * (single quotes, double quotes, backslashes), WITHOUT any expansion: `$x`, `$(...)`,
 * backticks, globs and `~` stay literal text. Operators such as `;`, `|`, `&`, `<`, `>`
 * are refused because in an option list they can only be an attempt to run shell code.
 */
export class ShellWordsError extends Error {
  override readonly name = 'ShellWordsError';
}

const OPERATORS = new Set([';', '|', '&', '<', '>', '(', ')']);

export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '\0') throw new ShellWordsError('NUL byte in text');
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ShellWordsError('unterminated single quote');
      current += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (ch === '"') {
      i += 1;
      let closed = false;
      while (i < text.length) {
        const c = text[i] as string;
        if (c === '"') {
          closed = true;
          i += 1;
          break;
        }
        // Inside double quotes a backslash only escapes these characters.
        if (c === '\\' && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1] as string)) {
          if (text[i + 1] !== '\n') current += text[i + 1];
          i += 2;
          continue;
        }
        current += c;
        i += 1;
      }
      if (!closed) throw new ShellWordsError('unterminated double quote');
      inWord = true;
    } else if (ch === '\\') {
      if (i + 1 >= text.length) throw new ShellWordsError('trailing backslash');
      if (text[i + 1] !== '\n') {
        current += text[i + 1];
        inWord = true;
      }
      i += 2;
    } else if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      i += 1;
    } else if (OPERATORS.has(ch)) {
      throw new ShellWordsError(`shell operator '${ch}' is not allowed (quote it if it is meant literally)`);
    } else {
      current += ch;
      inWord = true;
      i += 1;
    }
  }
  if (inWord) words.push(current);
  return words;
}
