// The Docker engine connection: one dockerode client per process, aimed where the docker CLI would aim
// (DOCKER_HOST, else the local socket), and the checks that say plainly why no engine can be used.

import { existsSync } from 'node:fs';
import Docker from 'dockerode';

/** The engine's local socket when DOCKER_HOST is unset. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** How long an engine may take to answer a ping before it counts as unreachable. */
const PING_TIMEOUT_MS = 5_000;

let shared: Docker | null = null;

/** The process-wide engine client (docker-modem reads DOCKER_HOST, DOCKER_TLS_VERIFY... itself). */
export function dockerClient(): Docker {
  shared ??= new Docker();
  return shared;
}

/** Where the client connects, for messages. */
export function engineAddress(): string {
  return process.env.DOCKER_HOST || `unix://${DEFAULT_DOCKER_SOCKET}`;
}

/** Why no engine can be used from here, or null when one answers a ping. */
export async function engineUnavailableReason(docker: Docker = dockerClient()): Promise<string | null> {
  if (!process.env.DOCKER_HOST && !existsSync(DEFAULT_DOCKER_SOCKET)) {
    return `no Docker engine: DOCKER_HOST is unset and ${DEFAULT_DOCKER_SOCKET} does not exist (start dockerd)`;
  }
  try {
    await withTimeout(docker.ping(), PING_TIMEOUT_MS, 'ping');
    return null;
  } catch (error) {
    return `the Docker engine at ${engineAddress()} does not answer: ${(error as Error).message}`;
  }
}

/** "docker <server version>" for the report. */
export async function engineVersion(docker: Docker = dockerClient()): Promise<string> {
  const v = await docker.version();
  return `docker ${v.Version}`;
}

/** True for the engine's "no such container/image" answer. */
export function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number })?.statusCode === 404;
}

/** True for the engine's "name already in use" answer. */
export function isConflict(error: unknown): boolean {
  return (error as { statusCode?: number })?.statusCode === 409;
}

/** Rejects when `promise` takes longer than ms (the engine client has no timeout of its own by default). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
