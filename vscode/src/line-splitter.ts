/**
 * Splits a byte stream into lines: chunks may end mid-line or mid-character (a UTF-8
 * sequence split over two reads), and the last line may have no newline. Pure apart from
 * calling back.
 */
import { StringDecoder } from 'node:string_decoder';

export interface LineSplitter {
  push(chunk: Buffer | string): void;
  /** Flush the last line when the stream ends without a newline. */
  end(): void;
}

export function createLineSplitter(onLine: (line: string) => void): LineSplitter {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const take = (text: string) => {
    pending += text;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      onLine(pending.slice(0, newline).replace(/\r$/, ''));
      pending = pending.slice(newline + 1);
    }
  };
  return {
    push: (chunk) => take(typeof chunk === 'string' ? chunk : decoder.write(chunk)),
    end: () => {
      take(decoder.end());
      if (pending) onLine(pending.replace(/\r$/, ''));
      pending = '';
    },
  };
}
