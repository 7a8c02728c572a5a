// Questions to the operator. One interface, three implementations: a real terminal, --yes, and a scripted one for tests.
import inquirer from 'inquirer';
import { Interrupted } from '../../base/errors.js';

export interface Prompter {
  /** Ask a yes/no question; the default answer is No. */
  confirm(question: string): Promise<boolean>;
  /** Ask for a secret without echo. */
  secret(question: string): Promise<string>;
  /** True when answers come from a person. */
  readonly interactive: boolean;
}

/** Inquirer on the terminal; questions go to stderr so stdout stays for data. */
export class TerminalPrompter implements Prompter {
  readonly interactive = true;
  private readonly prompt;

  /** `signal`: SIGINT/SIGTERM sent from outside (not typed) must also end a pending question. */
  constructor(private readonly signal?: AbortSignal) {
    this.prompt = inquirer.createPromptModule({ output: process.stderr, signal });
  }

  async confirm(question: string): Promise<boolean> {
    return this.ask({ type: 'confirm', name: 'answer', message: question, default: false }) as Promise<boolean>;
  }

  async secret(question: string): Promise<string> {
    return this.ask({ type: 'password', name: 'answer', message: question, mask: '*' }) as Promise<string>;
  }

  private async ask(q: Record<string, unknown>): Promise<unknown> {
    // A signal that already fired never fires again: a question asked after it would wait forever.
    if (this.signal?.aborted) throw new Interrupted('interrupted (signal received before the question)');
    try {
      const answers = (await this.prompt([q] as never)) as { answer: unknown };
      return answers.answer;
    } catch (err) {
      // Ctrl-C inside a prompt: inquirer rejects with ExitPromptError.
      if ((err as Error).name === 'ExitPromptError' || (err as Error).name === 'AbortPromptError') throw new Interrupted('interrupted at a question (Ctrl-C)');
      throw err;
    }
  }
}

/** --yes: every confirmation is answered yes, and said so in the log. */
export class YesPrompter implements Prompter {
  readonly interactive = false;
  constructor(private readonly log: (line: string) => void = () => undefined) {}
  async confirm(question: string): Promise<boolean> {
    this.log(`${question} yes (--yes)`);
    return true;
  }
  async secret(question: string): Promise<string> {
    throw new Interrupted(`${question}: no terminal to ask on; set it in the environment`, 1);
  }
}

/** Tests: answers a fixed list of questions, matched by a substring, and fails on any question it was not told to expect. */
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
