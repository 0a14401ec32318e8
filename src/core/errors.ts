/**
 * The few error classes that decide how the CLI ends. Anything that is not one of these is a bug
 * in Slipway and is reported as such, with its stack.
 */
export const ExitCode = {
  ok: 0,
  invalidInput: 1,
  usage: 2,
  integrity: 3,
  publish: 4,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A mistake in the user's input or environment: exit 1, one clear message, no stack. */
export class UserError extends Error {
  readonly exitCode: ExitCodeValue = ExitCode.invalidInput;
  override name = 'UserError';
}

/** Wrong use of the command line: exit 2. */
export class UsageError extends UserError {
  override readonly exitCode = ExitCode.usage;
  override name = 'UsageError';
}

/** A signature or an integrity check failed: exit 3. */
export class IntegrityError extends UserError {
  override readonly exitCode = ExitCode.integrity;
  override name = 'IntegrityError';
}

/** Publishing could not complete (conflict, remote refused): exit 4. */
export class PublishError extends UserError {
  override readonly exitCode = ExitCode.publish;
  override name = 'PublishError';
}

/** An internal invariant broke: this is Slipway's fault, not the user's. */
export class BugError extends Error {
  override name = 'BugError';
}
