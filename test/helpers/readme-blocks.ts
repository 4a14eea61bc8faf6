export interface ShellBlock {
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /** The reason given by a `<!-- readme-test: skip (reason) -->` line just before the fence; null when it runs. */
  skip: string | null;
}

const SHELL = new Set(['sh', 'bash', 'shell', 'console']);

/**
 * The fenced shell blocks of a Markdown text. A fence without a language is
 * refused: it would silently escape the README test.
 */
export function extractShellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split('\n');
  const blocks: ShellBlock[] = [];
  let previous = '';
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i] ?? '');
    if (!open) {
      if ((lines[i] ?? '').trim() !== '') previous = (lines[i] ?? '').trim();
      continue;
    }
    const lang = open[1] ?? '';
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ''); i++) body.push(lines[i] ?? '');
    if (lang === '') throw new Error(`README.md line ${start + 1}: a fenced block needs a language (sh, text, ...)`);
    const skip = /^<!-- readme-test: skip(?: \((.*)\))? -->$/.exec(previous);
    if (SHELL.has(lang)) blocks.push({ line: start + 1, code: body.join('\n'), skip: skip ? (skip[1] ?? '') : null });
    previous = '';
  }
  return blocks;
}
