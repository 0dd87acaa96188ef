/**
 * The CLI's one error: a command line it cannot run (`usage`: exit 2, the usage is printed) or a
 * command that failed for a reason stated in its message (`failed`: exit 1). The server's
 * KaigiError is for refusals a client sees; these are the operator's, in a terminal.
 */
export class CliError extends Error {
  constructor(
    readonly kind: 'usage' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string): CliError => new CliError('usage', message);
export const commandError = (message: string): CliError => new CliError('failed', message);

/** Whether `err` says the command line was wrong (print the usage, exit 2). */
export const isUsageError = (err: unknown): err is CliError => err instanceof CliError && err.kind === 'usage';
