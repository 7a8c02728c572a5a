// Questions to the operator. One interface, three implementations: a real terminal, --yes, and a scripted one for tests.
import type { Prompter } from '../../engine/prompter.js';
import { Interrupted, UsageError } from '../../base/errors.js';
import { wrapHanging } from './layout.js';

export type { Prompter };

/** Inquirer on the terminal; questions go to stderr so stdout stays for data. */
export class TerminalPrompter implements Prompter {
  readonly interactive = true;
  private prompt?: (questions: never) => Promise<unknown>;

  /** `signal`: SIGINT/SIGTERM sent from outside (not typed) must also end a pending question. */
  constructor(private readonly signal?: AbortSignal) {}

  /** Inquirer, loaded at the first question: a run with --yes (or one that stops before asking) never needs it. */
  private async prompter(): Promise<(questions: never) => Promise<unknown>> {
    if (!this.prompt) {
      const { default: inquirer } = await import('inquirer');
      this.prompt = inquirer.createPromptModule({ output: process.stderr, signal: this.signal }) as unknown as (questions: never) => Promise<unknown>;
    }
    return this.prompt;
  }

  async confirm(question: string): Promise<boolean> {
    return this.ask({ type: 'confirm', name: 'answer', message: this.fit(question), default: false }) as Promise<boolean>;
  }

  /**
   * The question wrapped by us, with room on its last line for inquirer's "? " and " (y/N)", then the answer: a line
   * left for the terminal to wrap broke the answer mid-word ("Y" / "es") at 100 columns.
   */
  private fit(question: string): string {
    const cols = process.stderr.isTTY ? process.stderr.columns : undefined;
    return cols ? wrapHanging('', question, Math.max(30, cols - 10), 0).join('\n') : question;
  }

  async secret(question: string): Promise<string> {
    return this.ask({ type: 'password', name: 'answer', message: question, mask: '*' }) as Promise<string>;
  }

  private async ask(q: Record<string, unknown>): Promise<unknown> {
    // A signal that already fired never fires again: a question asked after it would wait forever.
    if (this.signal?.aborted) throw new Interrupted('interrupted (signal received before the question)');
    try {
      const prompt = await this.prompter();
      const answers = (await prompt([q] as never)) as { answer: unknown };
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
  async confirm(): Promise<boolean> {
    return true;
  }
  async secret(question: string): Promise<string> {
    throw new UsageError(`${question}: no terminal to ask on; set it in the environment`);
  }
}
