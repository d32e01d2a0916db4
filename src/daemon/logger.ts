// Structured logging for vrrd: one JSON object per line on stderr ({t, level, msg, ...fields}), so a
// controller can merge many daemons' logs into one timeline and a human can still read them with jq.

/** Log levels, from the most verbose. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** One of LOG_LEVELS. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Extra fields of a log line; values must be JSON-serialisable. */
export type LogFields = Record<string, unknown>;

/** Where log lines go (stderr by default; tests collect them). */
export type LogSink = (line: string) => void;

/** A leveled JSON-lines logger with fixed fields (e.g. the node's name) on every line. */
export class Logger {
  readonly #rank: number;
  readonly #sink: LogSink;
  readonly #base: LogFields;

  /** Lines below `level` are discarded. */
  constructor(level: LogLevel = 'info', sink: LogSink = defaultSink, base: LogFields = {}) {
    this.#rank = LOG_LEVELS.indexOf(level);
    if (this.#rank < 0) {
      throw new RangeError(`log level: expected one of ${LOG_LEVELS.join(', ')}, found ${String(level)}`);
    }
    this.#sink = sink;
    this.#base = base;
  }

  /** A logger writing to the same sink with more fixed fields. */
  child(fields: LogFields): Logger {
    return new Logger(LOG_LEVELS[this.#rank], this.#sink, { ...this.#base, ...fields });
  }

  /** Whether lines of this level are written (to skip building expensive fields). */
  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= this.#rank;
  }

  /** Writes one line at `level`. */
  log(level: LogLevel, msg: string, fields: LogFields = {}): void {
    if (!this.enabled(level)) return;
    const line = { t: new Date().toISOString(), level, msg, ...this.#base, ...fields };
    try {
      this.#sink(JSON.stringify(line, replacer));
    } catch {
      // A field that cannot be serialised (a cycle) must not take the daemon down.
      this.#sink(JSON.stringify({ t: line.t, level, msg, unserialisable: true }));
    }
  }

  /** Debug line. */
  debug(msg: string, fields?: LogFields): void {
    this.log('debug', msg, fields);
  }

  /** Info line. */
  info(msg: string, fields?: LogFields): void {
    this.log('info', msg, fields);
  }

  /** Warning line. */
  warn(msg: string, fields?: LogFields): void {
    this.log('warn', msg, fields);
  }

  /** Error line. */
  error(msg: string, fields?: LogFields): void {
    this.log('error', msg, fields);
  }
}

/** True when text names a log level. */
export function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

function defaultSink(line: string): void {
  process.stderr.write(line + '\n');
}

/** Errors become {name, message, code}; bigints become strings. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as NodeJS.ErrnoException).code;
    return { name: value.name, message: value.message, ...(code ? { code } : {}) };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}
