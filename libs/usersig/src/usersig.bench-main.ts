import { runUserSigBench, type UserSigBenchResult } from './usersig.bench';

/**
 * CLI: prints UserSig verification throughput as a table, then as JSON.
 *   node dist/libs/usersig/src/usersig.bench-main.js [--seconds N]   (after `npm run build`)
 */

function parseSeconds(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = arg.startsWith('--seconds=') ? arg.slice('--seconds='.length) : arg === '--seconds' ? argv[i + 1] : undefined;
    if (value !== undefined) {
      const seconds = Number(value);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--seconds must be a positive number, got ${value}`);
      return seconds;
    }
  }
  return 2;
}

function table(result: UserSigBenchResult): string {
  const header = ['case', 'ops/s', 'ns/op', 'ops', 'ms', 'what'];
  const body = result.rows.map((r) => [r.name, r.opsPerSec.toLocaleString('en-US'), String(r.nsPerOp), String(r.ops), String(r.elapsedMs), r.description]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (c >= 1 && c <= 4 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [
    `UserSig verification, one core, node ${result.node}, ${result.secondsPerCase}s per case`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    `cache speed-up (v2Cached / v2Cold): ${result.cacheSpeedup}x`,
  ].join('\n');
}

async function main(): Promise<void> {
  const result = await runUserSigBench({ seconds: parseSeconds(process.argv.slice(2)) });
  process.stdout.write(`${table(result)}\n\n${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
