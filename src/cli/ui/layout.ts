// Lines fitted to the terminal: wrapped at its width with a hanging indent (wrap-ansi, string-width: colours and
// wide characters count as the terminal shows them), or cut to one line for a live line that is redrawn in place.
import wrapAnsi from 'wrap-ansi';
import stringWidth from 'string-width';

/**
 * `prefix` then `body`, wrapped to `width` columns; continuation lines are indented by the prefix's width, or by
 * `hang` columns when given. No width (not a terminal): one line, as it is.
 */
export function wrapHanging(prefix: string, body: string, width: number | undefined, hang?: number): string[] {
  if (!width) return [prefix + body];
  const indent = Math.min(hang ?? stringWidth(prefix), Math.max(0, width - 20));
  const first = width - stringWidth(prefix);
  if (first < 10) return wrapHanging('', prefix + body, width, indent);
  // Every line gets the narrower of the two widths: simple, and never wider than the terminal.
  const lines = wrapAnsi(body, Math.min(first, width - indent), { hard: true, trim: true }).split('\n');
  return [prefix + (lines[0] ?? ''), ...lines.slice(1).map((l) => ' '.repeat(indent) + l)];
}

/** One line of at most `width` columns: cut with an ellipsis, its indentation kept (wrap-ansi's trim would drop it). */
export function fitLine(text: string, width: number | undefined): string {
  if (!width || stringWidth(text) <= width) return text;
  const lead = /^\s*/.exec(text)![0];
  return lead + wrapAnsi(text.slice(lead.length), Math.max(1, width - 1 - lead.length), { hard: true, trim: true }).split('\n')[0] + '…';
}

export { stringWidth };
