// vrrd: the VRR daemon's entry point. Reads the configuration, starts a Vrrd, and stops it cleanly on SIGTERM
// or SIGINT (exit 0). A bad configuration exits 2 with a one-line reason; a failed start exits 1.
// Usage: node --import tsx src/daemon/vrrd.ts [--name N] [-i IF ...] [--hello-ms MS] [--socket PATH] ...

import { pathToFileURL } from 'node:url';
import { CommanderError } from 'commander';
import { readConfigInput, resolveDaemonConfig, type DaemonConfig } from './config.ts';
import { Vrrd } from './daemon.ts';
import { listHostInterfaces } from './host-interfaces.ts';
import { Logger } from './logger.ts';

/** Runs vrrd until a signal stops it; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let config: DaemonConfig;
  try {
    config = resolveDaemonConfig(readConfigInput(argv), listHostInterfaces());
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    process.stderr.write(`vrrd: ${(error as Error).message}\n`);
    return 2;
  }
  const logger = new Logger(config.logLevel, undefined, config.name ? { name: config.name } : {});

  let daemon: Vrrd;
  try {
    daemon = await Vrrd.start(config, logger);
  } catch (error) {
    logger.error('vrrd failed to start', { error: (error as Error).message });
    return 1;
  }

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info('vrrd stopping', { signal });
      daemon.stop().then(
        () => {
          logger.info('vrrd stopped');
          resolve(0);
        },
        (error: unknown) => {
          logger.error('vrrd stop failed', { error: (error as Error).message });
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    // A bug that escapes every handler: log it, release the interfaces and the socket file, exit non-zero.
    process.on('uncaughtException', (error) => {
      logger.error('uncaught exception', { error: String(error?.stack ?? error) });
      daemon.stop().finally(() => process.exit(1));
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
  // Timers and sockets are all closed by then; exit explicitly so a stray handle cannot hold the process.
  process.exit(process.exitCode);
}
