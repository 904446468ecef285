import { Injectable } from '@nestjs/common';
import { createInterface } from 'node:readline';

/** A status line that rewrites itself on a terminal and prints plain lines otherwise. */
export interface CliProgressLine {
  update(text: string): void;
  /** Ends the line (on a terminal); call once when done. */
  done(): void;
}

/**
 * Where the commands write and how they ask. Results go to stdout; prompts,
 * progress and errors to stderr, so `--json` output stays clean when piped.
 */
@Injectable()
export class OpenFgaCliConsole {
  /** Writes a line (or lines) to stdout. */
  out(text: string): void {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Writes a line (or lines) to stderr. */
  err(text: string): void {
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Whether a person can answer a prompt: stdin is a terminal. */
  get interactive(): boolean {
    return process.stdin.isTTY === true;
  }

  /** Asks a yes/no question on stderr; only "y" or "yes" confirms. End of input or Ctrl-C is a "no". */
  confirm(question: string): Promise<boolean> {
    return new Promise((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      let answered = false;
      const finish = (yes: boolean) => {
        if (answered) return;
        answered = true;
        rl.close();
        resolve(yes);
      };
      rl.on('SIGINT', () => {
        process.stderr.write('\n');
        finish(false);
      });
      rl.on('close', () => finish(false));
      rl.question(`${question} [y/N] `, (answer) => finish(/^\s*y(es)?\s*$/i.test(answer)));
    });
  }

  /** A progress display on stderr: one updating line on a terminal, plain lines otherwise. */
  progress(): CliProgressLine {
    const stream = process.stderr;
    const tty = stream.isTTY === true;
    let shown = false;
    return {
      update(text: string) {
        if (!tty) {
          stream.write(`${text}\n`);
          return;
        }
        const width = Math.max(20, (stream.columns || 80) - 1);
        stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
        shown = true;
      },
      done() {
        if (tty && shown) stream.write('\n');
        shown = false;
      },
    };
  }
}
