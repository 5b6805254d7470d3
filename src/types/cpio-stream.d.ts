declare module 'cpio-stream' {
  import type { Readable, Writable } from 'node:stream';
  export interface CpioHeader {
    name: string;
    mode?: number;
    type?: 'file' | 'directory' | 'symlink' | 'character-device' | 'block-device' | 'fifo' | 'socket';
    uid?: number;
    gid?: number;
    mtime?: number | Date;
    size?: number;
    linkname?: string;
    ino?: number;
    nlink?: number;
    dev?: number;
    devmajor?: number;
    devminor?: number;
    rdevmajor?: number;
    rdevminor?: number;
  }
  export interface Pack extends Readable {
    entry(header: CpioHeader, data?: Buffer | string | ((err?: Error) => void), callback?: (err?: Error) => void): Writable;
    finalize(): void;
  }
  export interface Extract extends Writable {
    on(event: 'entry', listener: (header: CpioHeader & { mode: number; size: number }, stream: Readable, next: () => void) => void): this;
    on(event: 'finish', listener: () => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
  export function pack(options?: { format?: 'newc' | 'odc' }): Pack;
  export function extract(): Extract;
}
