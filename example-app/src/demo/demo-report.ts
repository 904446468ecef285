/** Prints the demo's steps, one line each: ✔/✘, what happened, and the answer (plus the expectation when it differs). */
export class DemoReport {
  private count = 0;
  private failed = 0;

  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  get steps(): number {
    return this.count;
  }

  get failures(): number {
    return this.failed;
  }

  /** One step: `ok` says whether `answer` is what was expected (`expected` is printed when it is not). */
  step(what: string, answer: string, ok: boolean, expected?: string): boolean {
    this.count++;
    if (!ok) this.failed++;
    const mark = ok ? '✔' : '✘';
    const number = String(this.count).padStart(2);
    const miss = ok || expected === undefined ? '' : `   (expected ${expected})`;
    this.write(`${mark} ${number}. ${what.padEnd(60)} ${answer}${miss}`);
    return ok;
  }

  /** A step whose answer is an HTTP status. */
  status(what: string, request: string, status: number, expected: number, detail = ''): boolean {
    return this.step(what, `${request} → ${status}${detail ? ` ${detail}` : ''}`, status === expected, String(expected));
  }

  /** A line that is not a step (a heading, a note). */
  note(text: string): void {
    this.write(text);
  }
}
