/** Where a command reads its environment and writes its output; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Whether stderr is a terminal: colour and progress only then. */
  isTerminal: boolean;
  /** Milliseconds on a monotonic clock, for durations and progress (default `performance.now`); tests pass their own. */
  clock?: () => number;
}

export function processIo(): CliIo {
  return {
    stdout: untilClosed(process.stdout),
    stderr: untilClosed(process.stderr),
    env: process.env,
    cwd: process.cwd(),
    isTerminal: Boolean(process.stderr.isTTY),
  };
}

/**
 * A writer that stops quietly once the reader has gone, as `git log | head` does: a closed pipe
 * (EPIPE) is the reader saying it has seen enough, not a failure of the command, so the command
 * still finishes (a build or publish half done would be worse) and ends with its own status.
 * Without the listener, Node turns the asynchronous EPIPE into an uncaught exception and a stack trace.
 */
function untilClosed(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') {
      closed = true;
      return;
    }
    throw error;
  });
  return (text) => {
    if (closed || stream.destroyed) return;
    stream.write(text);
  };
}
