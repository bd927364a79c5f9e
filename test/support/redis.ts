// A real Redis for the budget tests: Debian's redis-server on a free 127.0.0.1 port, no
// persistence, started per test file and killed after it. Where it is missing (and not required,
// see real-parts.ts), the tests skip with one line.
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { realPart } from './real-parts.js';
import { refusedPort } from './servers.mjs';
import { sleep } from './time.js';

export const HOW_TO_GET_REDIS = "install Debian's redis-server (`apt-get update && apt-get install -y redis-server`; .ci/run does) or set REDIS_SERVER_PATH";
export const redisPart = realPart('Redis budget tests (redis-server)', [process.env.REDIS_SERVER_PATH, '/usr/bin/redis-server'], HOW_TO_GET_REDIS);

/** Whether something answers PING on the port. */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(200, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export interface LocalRedis {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL): its data is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  /** SIGSTOP: connections stay open, nothing answers. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  stop(): Promise<void>;
}

export async function localRedis(): Promise<LocalRedis> {
  if (!redisPart.path) throw new Error(`redis-server is missing: ${HOW_TO_GET_REDIS}`);
  const path = redisPart.path;
  const port = await refusedPort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(path, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--enable-debug-command', 'local'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await pings(port)) return;
      await sleep(20);
    }
    throw new Error('redis-server did not start');
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: start,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    stop: async () => {
      child?.kill('SIGCONT');
      await kill();
    },
  };
}
