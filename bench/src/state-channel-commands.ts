import type { Command } from 'commander';
import { choices, positive } from './cli-args.js';
import { writeReport } from './report.js';
import { type BookOptions, runBook } from './scenarios/book.js';
import { runWire, WIRE_KINDS, WIRE_MODES, type WireKind, type WireMode } from './scenarios/wire.js';

/**
 * The state-channel benches, which start their own shards and clients: `wire` (bytes and CPU per
 * delivery form) and `book` (what a maintained book costs).
 */
export function addStateChannelCommands(program: Command, progress: (line: string) => void): void {
  program
    .command('wire')
    .description('bytes on the wire per delivered book and ticker update and shard CPU per M frames, per permessage-deflate mode and delta format, interleaved')
    .option('--connections <n>', "clients, each following every symbol's channel", positive, 100)
    .option('--symbols <n>', 'symbols (books, tickers)', positive, 10)
    .option('--records <n>', 'realistic updates produced per kind and run (each reaches every client)', positive, 5000)
    .option('--rate <n>', 'updates per second', positive, 1000)
    .option('--modes <list>', `modes, of ${WIRE_MODES.join(',')}`, choices(WIRE_MODES), [...WIRE_MODES])
    .option('--kinds <list>', `state channels, of ${WIRE_KINDS.join(',')}`, choices(WIRE_KINDS), [...WIRE_KINDS])
    .option('--runs <n>', 'runs of each mode, interleaved', positive, 3)
    .option('--json <file>', 'also write the JSON result here')
    .action(
      async (options: {
        connections: number;
        symbols: number;
        records: number;
        rate: number;
        modes: WireMode[];
        kinds: WireKind[];
        runs: number;
        json?: string;
      }) => {
        const result = await runWire({ ...options, progress });
        process.stderr.write('\n');
        const { runs, ...document } = result;
        const files = writeReport(
          'wire',
          document,
          runs.map((run, i) => ({ ...run, run: Math.floor(i / (options.modes.length * options.kinds.length)) + 1 })),
          options.json,
        );
        console.log(JSON.stringify({ summary: document.summary, firstStateDataMs: document.firstStateDataMs }));
        console.error(`results: ${files.json} ${files.markdown}`);
      },
    );

  program
    .command('book')
    .description(
      'what maintained books cost: shard CPU per update applied, apply per changed level, record-to-client latency per form, bytes per second per client per form against republishing the whole book, a 5,000-level snapshot, memory per level',
    )
    .option('--books <n>', 'books fed at once', positive, 50)
    .option('--levels <n>', 'levels a side of each book', positive, 500)
    .option('--changes <n>', 'levels each BOOK_UPDATE changes', positive, 5)
    .option('--rate <n>', 'BOOK_UPDATEs per second over all books', positive, 5000)
    .option('--hot-rate <n>', 'updates per second of the one book whose per-client bytes are measured (and republished whole beside it)', positive, 200)
    .option('--seconds <n>', 'seconds of updates per run', positive, 10)
    .option('--connections <n>', 'clients per form (whole book, @250ms, "depth": 10), each on every book', positive, 5)
    .option('--runs <n>', 'repeat and report medians', positive, 3)
    .option('--json <file>', 'also write the JSON result here')
    .action(async (options: Omit<BookOptions, 'progress'> & { json?: string }) => {
      const result = await runBook({ ...options, progress });
      process.stderr.write('\n');
      const document = { scenario: 'book', ...result.options, ...result.summary, snapshotBuildMs: result.snapshotBuildMs, bytesPerLevel: result.bytesPerLevel };
      const rows = result.runs.map((run, i) => ({ run: i + 1, ...run }));
      const files = writeReport('book', document, rows as unknown as Array<Record<string, unknown>>, options.json);
      console.log(JSON.stringify(document));
      console.error(`results: ${files.json} ${files.markdown}`);
    });
}
