// A text file written piece by piece, created (0600, in a 0700 directory) only when its first piece arrives: a
// comparison that finds nothing to keep leaves no file behind.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { dirname } from 'node:path';

export class LazyTextFile {
  private out?: WriteStream;
  private failed?: Error;
  private written = 0;

  constructor(readonly path: string) {}

  async write(text: string): Promise<void> {
    if (this.failed) throw this.failed;
    if (!this.out) {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      // wx: never overwrite a file kept before.
      this.out = createWriteStream(this.path, { mode: 0o600, flags: 'wx' });
      this.out.on('error', (err) => (this.failed ??= err));
    }
    this.written += Buffer.byteLength(text);
    if (!this.out.write(text)) await once(this.out, 'drain');
    if (this.failed) throw this.failed;
  }

  /** Bytes written (0: no file was created). Throws what went wrong writing it (a full disk). */
  async close(): Promise<number> {
    const out = this.out;
    if (out) await new Promise<void>((resolve) => out.end(resolve));
    if (this.failed) throw this.failed;
    return this.written;
  }
}
