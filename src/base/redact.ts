// Defence in depth: every line the tool writes (terminal, JSON, journal) passes through here, so that a password
// that slipped into an error message from a library is masked before it leaves the process.
const secrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 1) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 3 && !/[^A-Za-z0-9]/.test(s)) continue; // too short to mask without mangling ordinary text
    out = out.split(s).join('********');
  }
  return out;
}
