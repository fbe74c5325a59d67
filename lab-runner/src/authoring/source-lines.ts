// Line numbers in a lesson's source for what the parsed Lesson does not locate (frontmatter keys, steps,
// check fields), so the linter can point at the line to fix.

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export class SourceLines {
  private readonly lines: string[];

  constructor(private readonly source: string) {
    this.lines = source.split("\n");
  }

  /** The first line at or after `from` that matches. */
  find(pattern: RegExp, from = 1, to = this.lines.length): number | undefined {
    for (let line = from; line <= to; line++) if (pattern.test(this.lines[line - 1]!)) return line;
    return undefined;
  }

  /** The line of a frontmatter key, or of `value` in its list when given (`images: [a, b]` or `- b` below it). */
  frontmatter(key: string, value?: string): number | undefined {
    const end = this.find(/^---\s*$/, 2);
    const keyLine = this.find(new RegExp(`^${escape(key)}\\s*:`), 1, end);
    if (keyLine === undefined || value === undefined) return keyLine;
    return this.find(new RegExp(`(^|[\\s\\[,'"-])${escape(value)}($|[\\s\\],'"])`), keyLine, end) ?? keyLine;
  }

  /** The line of `<Step id="…"`, attributes possibly spread over several lines. */
  step(id: string): number | undefined {
    const match = new RegExp(`<Step\\b[^>]*?\\bid\\s*=\\s*["']${escape(id)}["']`).exec(this.source);
    return match ? this.source.slice(0, match.index).split("\n").length : undefined;
  }

  /** The line of `key: value` in the step that starts at `stepLine`, else the step's own line. */
  stepValue(stepLine: number | undefined, value: string): number | undefined {
    if (stepLine === undefined) return undefined;
    const end = this.find(/<\/Step>/, stepLine);
    return this.find(new RegExp(`:\\s*["']?${escape(value)}(?=$|[\\s"':,\\]}])`), stepLine, end) ?? stepLine;
  }
}
