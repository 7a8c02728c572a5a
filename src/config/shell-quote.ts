// Command lines the tool prints for an operator to paste (the resume line, status's recommendation, the lab's line,
// `lab env`): every word quoted for a POSIX shell, so that a path with a space or a quote is passed as one word.

/** A word as a POSIX shell reads it back: plain when it holds only safe characters, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** argv → one pasteable line. */
export function shellLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
