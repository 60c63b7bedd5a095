// The `process` a model file sees, and the worker's own one made safe. A model file runs in a
// worker thread of the CLI or of the extension host: `process.exit()` there would only end the
// worker, but `process.kill(process.pid)` and `process.abort()` end the whole process. The file
// gets a stand-in that reads like the real thing (env, argv, platform, hrtime, stdout.write…) and
// refuses, with an error at the caller's line, whatever would stop or signal a process.

/** An error thrown at the model file's call, located like any other error it causes. */
function refusal(what: string): Error {
  return new Error(`${what}() is not available to a model file: Gradlens runs it inside the CLI or the editor, which it must not stop or signal. Throw an Error to end the run with a message.`);
}

const refuse = (what: string) => (): never => {
  throw refusal(what);
};

/** The stand-in `process` of one run: a fresh object, so what one file sets on it is gone for the next. */
export function userProcess(): Record<string, unknown> {
  const print = (stream: NodeJS.WriteStream) => ({ write: (chunk: unknown): boolean => stream.write(typeof chunk === 'string' ? chunk : String(chunk)) });
  const standIn: Record<string, unknown> = {
    env: { ...process.env },
    argv: [...process.argv],
    platform: process.platform,
    arch: process.arch,
    version: process.version,
    versions: { ...process.versions },
    pid: process.pid,
    cwd: () => process.cwd(),
    hrtime: Object.assign((t?: [number, number]) => process.hrtime(t), { bigint: () => process.hrtime.bigint() }),
    uptime: () => process.uptime(),
    memoryUsage: () => process.memoryUsage(),
    nextTick: (fn: (...args: unknown[]) => void, ...args: unknown[]) => process.nextTick(fn, ...args),
    // Written where console.log writes: into the run's output.
    stdout: print(process.stdout),
    stderr: print(process.stderr),
    exit: refuse('process.exit'),
    kill: refuse('process.kill'),
    abort: refuse('process.abort'),
    reallyExit: refuse('process.reallyExit'),
  };
  // Listeners (process.on('exit', …)) are accepted and never called: the worker outlives the file.
  for (const name of ['on', 'once', 'off', 'addListener', 'removeListener', 'removeAllListeners']) standIn[name] = () => standIn;
  return standIn;
}

/**
 * Replaces the worker's own `process.kill` and `process.abort`, which a file could still reach
 * through our objects (`F.add.constructor('return process')()`): nothing in the worker signals or
 * aborts a process. (`process.exit` in a worker ends only the worker, which the supervisor reports.)
 */
export function disarmWorkerProcess(): void {
  process.kill = refuse('process.kill') as typeof process.kill;
  process.abort = refuse('process.abort') as typeof process.abort;
}
