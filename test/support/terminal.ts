import { spawn } from 'node:child_process';
import { BIN } from './cli.js';

/** Runs cairn on a real pseudo-terminal (util-linux `script`), returning everything it drew. */
export function onTerminal(args: string[]): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let screen = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (screen += d));
  return new Promise((done) => child.on('close', (code) => done({ code, screen })));
}

const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}(\\[[0-9;?]*[A-Za-z]|[78])`, 'g');
const LINE_START = new RegExp(`\\r\\n|\\r|\\n|${ESC}\\[1G|${ESC}\\[2K|${ESC}[78]`);

/** The lines a terminal keeps from `screen`: a progress bar redraws its line in place (CR, column 1, clear line). */
export function screenLines(screen: string): string[] {
  return screen
    .split(LINE_START)
    .map((l) => l.replace(ANSI, '').trim())
    .filter(Boolean);
}
