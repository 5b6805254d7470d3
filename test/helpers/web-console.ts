/** `sim web` as a user runs it, for the tests and the benchmark: the built CLI, its address from its events. */
import { execa, type ResultPromise } from 'execa';
import { SIM_BIN } from './sim.js';

export interface WebConsole {
  url: string;
  port: number;
  token: string;
  pid: number;
  /** The page's address for one simulator. */
  page(name?: string): string;
  stop(): Promise<void>;
}

export async function startWebConsole(env: Record<string, string>): Promise<WebConsole> {
  const child: ResultPromise = execa(process.execPath, [SIM_BIN, 'web', '--json'], { env, reject: false, buffer: false, stdin: 'ignore' });
  const event = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      for (const line of text.split('\n')) {
        if (!line.startsWith('{')) continue;
        const e = JSON.parse(line);
        if (e.type === 'web-console') resolve(e);
        if (e.type === 'error') reject(new Error(`sim web: ${e.message}`));
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    void child.then((r) => reject(new Error(`sim web exited (${r.exitCode}) before it served`)));
  });
  const token = new URL(event.url).searchParams.get('token')!;
  return {
    url: event.url,
    port: event.port,
    token,
    pid: child.pid!,
    page: (name?: string) => `${event.url}${name ? `#sim=${name}` : ''}`,
    stop: async () => {
      child.kill('SIGINT');
      await child;
    },
  };
}
