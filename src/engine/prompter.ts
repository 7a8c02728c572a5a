// Questions to the operator: one interface. The CLI provides a terminal and a --yes implementation; tests a scripted one.
export interface Prompter {
  /** Ask a yes/no question; the default answer is No. */
  confirm(question: string): Promise<boolean>;
  /** Ask for a secret without echo. */
  secret(question: string): Promise<string>;
  /** True when answers come from a person. */
  readonly interactive: boolean;
}
