// The engine's streamed answers to an import or a build: a sequence of JSON messages whose last one may be an
// error (the HTTP status is 200 either way), so the stream must be read to the end to know the outcome.

import type Docker from 'dockerode';

/** One message of an import/build stream (the fields this project reads). */
export interface EngineMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/**
 * Reads an import/build stream to its end; resolves to its messages, rejects with the engine's own error
 * (plus the last output lines, where a failing RUN/COPY says why) when there was one.
 */
export async function followEngineStream(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  what: string,
  onLine: (line: string) => void = () => {},
): Promise<EngineMessage[]> {
  const messages = await new Promise<EngineMessage[]>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: EngineMessage[]) => (error ? reject(error) : resolve(output ?? [])),
      (message: EngineMessage) => {
        const line = (message.stream ?? message.status ?? '').trim();
        if (line !== '') onLine(line);
      },
    );
  }).catch((error: Error) => {
    throw new Error(`${what}: the engine stream failed: ${error.message}`, { cause: error });
  });
  const failed = messages.find((m) => m.error !== undefined || m.errorDetail !== undefined);
  if (failed) {
    const tail = messages
      .map((m) => (m.stream ?? '').trim())
      .filter(Boolean)
      .slice(-8)
      .join('\n  ');
    throw new Error(
      `${what} failed: ${failed.errorDetail?.message ?? failed.error}` + (tail ? `\n  ${tail}` : ''),
    );
  }
  return messages;
}
