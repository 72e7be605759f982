import { clearLine, cursorTo } from "node:readline";
import type { RunProgress } from "./runner";

/** Where progress goes, and how: a terminal gets one live line; anything else a line every few seconds. */
export interface ProgressOutput {
  readonly write: (text: string) => void;
  readonly isTTY: boolean;
  /** For a terminal: rewrite the current line (standard library cursor control). */
  readonly rewriteLine?: (text: string) => void;
}

/** stderr as a progress output: progress never mixes with a command's results on stdout. */
export function stderrProgress(): ProgressOutput {
  const stream = process.stderr;
  return {
    isTTY: stream.isTTY === true,
    write: (text) => stream.write(text),
    rewriteLine: (text) => {
      cursorTo(stream, 0);
      clearLine(stream, 0);
      stream.write(text);
    },
  };
}

/** One line about a run: accounts done of total, collected / failed / waiting, rate, time left. */
export function runProgressLine(progress: RunProgress, elapsedMs: number): string {
  if (progress.listed === 0) return `listing accounts ... (${seconds(elapsedMs)})`;
  const done = progress.collected + progress.failed;
  const waiting = progress.listed - done;
  const rate = done / Math.max(elapsedMs / 1000, 0.001);
  const left = rate > 0 && waiting > 0 ? `, about ${seconds((waiting / rate) * 1000)} left` : "";
  return `${done} of ${progress.listed} accounts done: ${progress.collected} collected, ${progress.failed} failed, ${waiting} waiting; ${rate.toFixed(1)}/s${left}`;
}

/** Counts for a download of a run's files. */
export interface DownloadProgress {
  files: number;
  bytes: number;
}

/** One line about a download: files and bytes so far, and the rate. */
export function downloadProgressLine(progress: DownloadProgress, elapsedMs: number): string {
  const rate = progress.files / Math.max(elapsedMs / 1000, 0.001);
  return `downloaded ${progress.files} files (${(progress.bytes / 1_048_576).toFixed(1)} MiB), ${rate.toFixed(1)}/s`;
}

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/**
 * Shows a long command's progress while it goes: on a terminal a line rewritten every `tickMs`;
 * otherwise a plain line every `plainEveryMs`. `line` words the state after so many milliseconds.
 * Returns a stop function that writes the last state.
 */
export function showProgress(line: (elapsedMs: number) => string, output: ProgressOutput, options: { tickMs?: number; plainEveryMs?: number } = {}): () => void {
  const started = Date.now();
  const every = output.isTTY ? (options.tickMs ?? 250) : (options.plainEveryMs ?? 5000);
  const show = () => {
    const text = line(Date.now() - started);
    if (output.isTTY && output.rewriteLine) output.rewriteLine(text);
    else output.write(`${text}\n`);
  };
  const timer = setInterval(show, every);
  return () => {
    clearInterval(timer);
    show();
    if (output.isTTY) output.write("\n");
  };
}

/** Does `work` with a progress line on stderr (see showProgress), unless `quiet`. */
export async function withProgress<T>(quiet: boolean, line: (elapsedMs: number) => string, work: () => Promise<T>): Promise<T> {
  const stop = quiet ? () => undefined : showProgress(line, stderrProgress());
  return work().finally(stop);
}
