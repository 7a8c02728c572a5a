// Quoting for a POSIX shell, for command lines shown to people (the tool itself never runs a shell).
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
