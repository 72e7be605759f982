import { expect } from "chai";
import { downloadProgressLine, type ProgressOutput, runProgressLine, showProgress } from "../../local/progress";

/** A progress output that keeps what it was given. */
function recordingOutput(isTTY: boolean) {
  const written: string[] = [];
  const rewritten: string[] = [];
  const output: ProgressOutput = { isTTY, write: (text) => written.push(text), rewriteLine: (text) => rewritten.push(text) };
  return { output, written, rewritten };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("progress", () => {
  it("words a run: done of total, each state, the rate and the time left", () => {
    const line = runProgressLine({ listed: 1000, collected: 180, failed: 20 }, 20_000);

    expect(line).to.equal("200 of 1000 accounts done: 180 collected, 20 failed, 800 waiting; 10.0/s, about 80 s left");
  });

  it("says the accounts are being listed before there is a total", () => {
    expect(runProgressLine({ listed: 0, collected: 0, failed: 0 }, 3_000)).to.equal("listing accounts ... (3 s)");
  });

  it("gives the time left in minutes once it is long", () => {
    expect(runProgressLine({ listed: 10_000, collected: 100, failed: 0 }, 10_000)).to.match(/about 17 min left$/);
  });

  it("words a download: files, MiB and the rate", () => {
    expect(downloadProgressLine({ files: 50, bytes: 3 * 1_048_576 }, 10_000)).to.equal("downloaded 50 files (3.0 MiB), 5.0/s");
  });

  it("writes plain lines when the output is not a terminal, and the last state when stopped", async () => {
    const { output, written, rewritten } = recordingOutput(false);
    let n = 0;

    const stop = showProgress(() => `step ${++n}`, output, { plainEveryMs: 20 });
    await sleep(70);
    stop();

    expect(rewritten).to.deep.equal([]);
    expect(written.length).to.be.at.least(2);
    expect(written.every((text) => /^step \d+\n$/.test(text))).to.equal(true);
    expect(written.at(-1)).to.equal(`step ${n}\n`);
  });

  it("rewrites one line on a terminal and ends it when stopped", async () => {
    const { output, written, rewritten } = recordingOutput(true);

    const stop = showProgress(() => "working", output, { tickMs: 10 });
    await sleep(50);
    stop();

    expect(rewritten.length).to.be.at.least(2);
    expect(written).to.deep.equal(["\n"]);
  });
});
