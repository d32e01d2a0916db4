// vrrd: the VRR daemon's entry point. Reads the configuration, starts one node (a Daemon; with --netns, on the
// interfaces of another namespace) or, with --host FILE, many (a DaemonHost: shared mode), and stops cleanly on
// SIGTERM or SIGINT (exit 0). A bad configuration exits 2 with a one-line reason; a failed start exits 1.
// Usage: node --import tsx src/daemon/vrrd.ts [--name N] [-i IF ...] [--hello-ms MS] [--socket PATH] ...
//        node --import tsx src/daemon/vrrd.ts --host hosts.yaml [--log-level L]

import { pathToFileURL } from 'node:url';
import { CommanderError } from 'commander';
import {
  buildDaemonCommand,
  readConfigInput,
  resolveDaemonConfig,
  type ConfigInput,
  type DaemonConfig,
} from './config.ts';
import { Daemon } from './daemon.ts';
import { DaemonHost } from './daemon-host.ts';
import { loadHostFile, resolveHostConfig, type HostConfig } from './host-config.ts';
import { Logger } from './logger.ts';
import { MemoryTrimmer } from './memory-trim.ts';
import { NodeNamespace } from './node-namespace.ts';

/** What runs until a signal: one node or a host of many. */
interface Running {
  stop(): Promise<void>;
}

/** Runs vrrd until a signal stops it; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const command = buildDaemonCommand();
  let start: () => Promise<Running>;
  let logger: Logger;
  try {
    const input = await readConfigInput(argv, command);
    const hostFile = command.opts<{ host?: string }>().host;
    if (hostFile !== undefined) {
      const config = await resolveHost(hostFile, argv, input);
      logger = new Logger(config.logLevel, undefined, { host: true });
      const hostLogger = logger;
      start = () => DaemonHost.start(config, hostLogger);
    } else {
      const config = resolveNode(input);
      logger = new Logger(config.logLevel, undefined, config.name ? { name: config.name } : {});
      const nodeLogger = logger;
      start = async () => {
        let daemon: Daemon | null = null;
        const trimmer = new MemoryTrimmer(() => daemon?.framesSeen() ?? 0);
        const started = await Daemon.start(config, nodeLogger, { afterTimer: () => trimmer.poke() });
        daemon = started;
        trimmer.start();
        return {
          stop: async () => {
            trimmer.stop();
            await started.stop();
          },
        };
      };
    }
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    process.stderr.write(`vrrd: ${(error as Error).message}\n`);
    return 2;
  }

  let running: Running;
  try {
    running = await start();
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
      running.stop().then(
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
    // A bug that escapes every handler: log it, release the interfaces and the socket files, exit non-zero. In
    // shared mode that takes every hosted node down: a host is one process, and its state is no longer trusted.
    process.on('uncaughtException', (error) => {
      logger.error('uncaught exception', { error: String(error?.stack ?? error) });
      running.stop().finally(() => process.exit(1));
    });
  });
}

/** One node: the configuration resolved against the interfaces of its namespace (--netns, or here). */
function resolveNode(input: ConfigInput): DaemonConfig {
  if (input.netns === undefined || input.netns === '') {
    return resolveDaemonConfig(input, NodeNamespace.own().listInterfaces());
  }
  const ns = NodeNamespace.join(input.netns);
  try {
    return resolveDaemonConfig(input, ns.listInterfaces());
  } finally {
    ns.close();
  }
}

/** The host file, resolved; --log-level may be given too (the host's own lines), nothing else. */
async function resolveHost(file: string, argv: readonly string[], input: ConfigInput): Promise<HostConfig> {
  const others = argv.filter((a) => a.startsWith('-') && !/^--(host|log-level)(=|$)/.test(a));
  if (others.length > 0) {
    throw new RangeError(
      `--host: the host file configures every node; found other flags too (${others.join(' ')})`,
    );
  }
  const host = await loadHostFile(file);
  if (input.logLevel !== undefined) host.logLevel = input.logLevel;
  return resolveHostConfig(host, (netns) => {
    const ns = netns === null ? NodeNamespace.own() : NodeNamespace.join(netns);
    try {
      return ns.listInterfaces();
    } finally {
      ns.close();
    }
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
  // Timers and sockets are all closed by then; exit explicitly so a stray handle cannot hold the process.
  process.exit(process.exitCode);
}
