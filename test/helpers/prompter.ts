// Tests: a prompter that answers a fixed list of questions, matched by a substring, and fails on any question it was
// not told to expect (as np's tests do).
import type { Prompter } from '../../src/engine/prompter.js';

/** Answers a fixed list of questions, matched by a substring, and fails on any question it was not told to expect. */
export class ScriptedPrompter implements Prompter {
  readonly interactive = false;
  readonly asked: string[] = [];
  constructor(private readonly script: Array<{ match: string | RegExp; answer: boolean | string }>) {}

  private next(question: string): boolean | string {
    this.asked.push(question);
    const expected = this.script.shift();
    if (!expected) throw new Error(`unexpected question: ${question}`);
    const ok = typeof expected.match === 'string' ? question.includes(expected.match) : expected.match.test(question);
    if (!ok) throw new Error(`unexpected question: "${question}" (expected one matching ${String(expected.match)})`);
    return expected.answer;
  }
  async confirm(question: string): Promise<boolean> {
    return Boolean(this.next(question));
  }
  async secret(question: string): Promise<string> {
    return String(this.next(question));
  }
  get remaining(): number {
    return this.script.length;
  }
}
