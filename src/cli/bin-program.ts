import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectCommander } from 'nest-commander';
import { OPENFGA_CLI_ENV } from './cli-env';

/** The part of commander's `Command` the bin touches (commander is nest-commander's dependency, not ours). */
interface CommanderProgram {
  readonly commands: readonly CommanderProgram[];
  name(name: string): unknown;
  description(text: string): unknown;
  addHelpText(position: 'after', text: string): unknown;
  exitOverride(callback: (err: Error) => void): unknown;
}

const BIN_HELP = `
Configuration (environment):
${OPENFGA_CLI_ENV.map((v) => `  ${v.name.padEnd(29)}${v.required ? 'required' : 'optional'}: ${v.description}`).join('\n')}

The model commands (model types) read a file and need none of these.
The bin operates one connection ("default"): the store, Redis and prefix these variables name.
For a named connection of your app, set them to that connection's store, Redis and prefix.

Exit codes: 0 done, 1 failed (see the message), 2 bad configuration or usage, 3 not confirmed.
`;

/** Names the program, documents the environment in --help, and routes commander's usage errors to exit code 2. */
@Injectable()
export class OpenFgaCliBinProgram implements OnApplicationBootstrap {
  constructor(@InjectCommander() private readonly program: CommanderProgram) {}

  /** After nest-commander built the command tree in onModuleInit. */
  onApplicationBootstrap(): void {
    this.program.name('nestjs-openfga');
    this.program.description(
      'Operate the nestjs-openfga write-behind buffer: status, flush, clear, dead letters, tuples import; and model types.',
    );
    this.program.addHelpText('after', BIN_HELP);
    // Throwing (instead of commander's process.exit) lets CommandFactory close the app; the bin maps the code.
    const throwInstead = (cmd: CommanderProgram): void => {
      cmd.exitOverride((err) => {
        throw err;
      });
      cmd.commands.forEach(throwInstead);
    };
    throwInstead(this.program);
  }
}
