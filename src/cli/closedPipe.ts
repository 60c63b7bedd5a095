// `gradlens check … | head -3`: once the reader has gone, the next write fails with EPIPE. A Unix
// tool is ended by SIGPIPE there, without a word; Node ignores that signal and raises an 'error'
// event instead, which unhandled prints a stack trace. This ends the CLI as SIGPIPE would.

/** Exit status of a process ended by SIGPIPE (128 + 13), what a shell reports for `yes | head`. */
export const CLOSED_PIPE_EXIT = 141;

export function endQuietlyOnClosedPipe(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // Nothing more can be said: the reader is gone. Exiting also ends the runner's workers.
      if (err.code === 'EPIPE') process.exit(CLOSED_PIPE_EXIT);
      throw err;
    });
  }
}
