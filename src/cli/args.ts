// Flag parsing shared by every command: strict (an unknown or malformed flag
// is an error naming it), with `--help` everywhere.
import { parseArgs, ParseArgsConfig } from 'node:util';

/** A problem with the command line or its inputs: printed as one line, exit code 2. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  name: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

type FlagValue<F> = F extends { type: 'boolean' } ? boolean : string;
export type FlagValues<O extends Options> = {
  [K in keyof O]?: O[K] extends { multiple: true } ? FlagValue<O[K]>[] : FlagValue<O[K]>;
};

/** Parses `argv` against `options`; throws CliError naming the bad flag. Returns undefined when --help was asked. */
export function parseFlags<O extends Options>(command: Command, argv: string[], options: O): FlagValues<O> | undefined {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new CliError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    if ((values as { help?: boolean }).help) {
      process.stdout.write(command.usage);
      return undefined;
    }
    return values as FlagValues<O>;
  } catch (err) {
    if (err instanceof CliError) throw err;
    // node:util's messages name the flag ("Unknown option '--nope'"); keep them, drop the stack.
    throw new CliError((err as Error).message.split('. ')[0] ?? String(err));
  }
}

export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new CliError(`missing required flag ${flag}`);
  return value;
}

export function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new CliError(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}
