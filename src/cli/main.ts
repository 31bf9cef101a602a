// The `acsync` command line. Each command lives in its own module under ./commands and registers
// itself on the program; this file only wires them together and maps errors to exit codes.
import { Command, CommanderError } from 'commander';
import { describeError, ExitCode, exitCodeFor } from '../core/errors.ts';
import { VERSION } from '../core/version.ts';
import { commands } from './commands/index.ts';

export function buildProgram(): Command {
  const program = new Command('acsync')
    .description('Sync an ActiveCampaign account into a SQL warehouse, in the tables RudderStack wrote.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `
Start here:
  $ acsync demo                      # everything end to end against a built-in emulator, < 1 minute
  $ acsync init --url https://mycompany.api-us1.com
  $ export AC_API_KEY=...            # Settings > Developer > API Access
  $ acsync check                     # config, API key, destination
  $ acsync sync                      # one run now (incremental after the first)
  $ acsync run                       # keep syncing on each source's schedule
  $ acsync history                   # past runs, events per resource
  $ acsync serve                     # the same in a local web dashboard (http://127.0.0.1:8484)
  $ acsync fleet apply && acsync worker   # fleet mode: workers on many machines (see: acsync fleet --help)

Every command reads ./acsync.yaml unless given --config PATH; "acsync <command> --help" explains each.

Exit codes: 0 success, 1 sync failed or partial, 2 bad usage or config, 3 the API refused the key or
account, 4 destination unreachable.`,
    );
  for (const register of commands) register(program);
  // Bare `acsync` teaches rather than doing nothing.
  program.action(() => program.help());
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    process.stderr.write(`acsync: ${describeError(err)}\n`);
    return exitCodeFor(err);
  }
}

// A reader that stops early (`acsync init --help | head -20`) closes the pipe: that is not an error, so
// stop writing and end quietly instead of dying on an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw err;
  });
}

process.exitCode = await main(process.argv);
