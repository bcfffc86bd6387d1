import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PORT_OFFSET } from '@odin-ws/config';
import { type CliProcess, createTestTopic, kafkaBrokers, metricValue, sleep, spawnCli, stablePortRange, waitFor } from '@odin-ws/testkit';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { handshake } from './auth-helpers.js';

interface Position {
  partition: number;
  offset: number;
}

interface TickerState {
  connection: string;
  refusals: Array<{ code: string; serverCode: string; final: boolean }>;
  reconnects: number;
  trades: Record<string, Position[]>;
  tickers: Record<string, { pos: Position; data: unknown; updates: number }>;
  books: Record<string, { channel: string; seq: number; bids: number; asks: number }>;
  recoveries: Array<{ channel: string; recovered: boolean }>;
}

/** The record value at a position, as Kafka has it, read with kcat. */
function kafkaValue(topic: string, { partition, offset }: Position): unknown {
  const result = spawnSync(
    'kcat',
    ['-C', '-b', kafkaBrokers(), '-t', topic, '-p', String(partition), '-o', String(offset), '-c', '1', '-e', '-q', '-f', '%s'],
    {
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  if (result.status !== 0) throw new Error(`kcat failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Every record of `key` in `topic`, as Kafka has it, read with kcat (a consumer we did not write). */
function kafkaPositions(topic: string, key: string): Position[] {
  const result = spawnSync('kcat', ['-C', '-b', kafkaBrokers(), '-t', topic, '-e', '-q', '-f', '%k %p %o\\n'], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`kcat failed: ${result.stderr}`);
  return result.stdout
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([recordKey]) => recordKey === key)
    .map(([, partition, offset]) => ({ partition: Number(partition), offset: Number(offset) }))
    .sort((a, b) => a.offset - b.offset);
}

describe('the live ticker page in local mode, in headless Chromium', () => {
  let fleet: CliProcess | undefined;
  let browser: Browser | undefined;

  afterEach(async () => {
    await browser?.close();
    browser = undefined;
    if (fleet && fleet.child.exitCode === null) {
      fleet.child.kill('SIGTERM');
      await fleet.exited;
    }
    fleet = undefined;
  }, 60_000);

  const openPage = async (webPort: number, prepare?: (page: Page) => Promise<unknown>) => {
    browser = await chromium.launch({
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // Frames as Chromium received them: deflate deltas are the only binary ones.
    const binaryFrames = { count: 0 };
    page.on('websocket', (socket) =>
      socket.on('framereceived', ({ payload }) => {
        if (typeof payload !== 'string') binaryFrames.count++;
      }),
    );
    await prepare?.(page);
    await page.goto(`http://127.0.0.1:${webPort}/`);
    const ticker = () => page.evaluate(() => (window as unknown as { ticker: TickerState }).ticker);
    return { page, errors, ticker, binaryFrames };
  };

  /** Local mode with two shards, the LB and the page on four consecutive free ports; resolves when both shards are ready. */
  const startLocal = async (extraArgs: string[] = []) => {
    const trades = await createTestTopic('page-trade', 2);
    const books = await createTestTopic('page-book', 2);
    const tickers = await createTestTopic('page-ticker', 2);
    // Four consecutive free ports (two shards, the LB, the page), below the ephemeral range: local mode binds
    // them seconds later, and on a loaded suite an outgoing connection could take an ephemeral one meanwhile.
    const basePort = await stablePortRange(4);
    const [lbPort, webPort] = [basePort + 2, basePort + 3];
    fleet = spawnCli([
      '--mode=local',
      '--host=127.0.0.1',
      `--kafka-brokers=${kafkaBrokers()}`,
      `--topics=${trades},${books},${tickers}`,
      `--channel-map=${trades}=trade,${books}=book,${tickers}=ticker`,
      '--shards=2',
      `--port=${basePort}`,
      `--lb-port=${lbPort}`,
      `--web-port=${webPort}`,
      '--symbols=BTC,ETH',
      '--rate=40',
      '--log-level=warn',
      '--health-interval=200',
      '--drain-timeout=2',
      ...extraArgs,
    ]);
    // Each one's ops surface (detailed /health, /metrics): its public port + 100, on loopback.
    const shardUrls = [0, 1].map((i) => `http://127.0.0.1:${basePort + i + ADMIN_PORT_OFFSET}`);
    await waitFor(
      'the load balancer to see both shards ready',
      async () => {
        if (fleet!.child.exitCode !== null) throw new Error(`local mode exited:\n${fleet!.output()}`);
        const health = (await (await fetch(`http://127.0.0.1:${lbPort + ADMIN_PORT_OFFSET}/health`)).json()) as { shards: Array<{ ready: boolean }> };
        return health.shards.length === 2 && health.shards.every((shard) => shard.ready);
      },
      60_000,
      250,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n--- local mode output ---\n${fleet!.output()}`);
    });
    return { trades, tickers, shardUrls, lbPort, webPort };
  };

  it('shows live trades and order books, and recovers with no gap when its shard is killed', async () => {
    const { trades, tickers, shardUrls, webPort } = await startLocal();
    const { page, errors, ticker, binaryFrames } = await openPage(webPort);
    // The SDK's browser bundle, one module with no imports: no import map needed.
    expect(await page.locator('script[type=importmap]').count()).toBe(0);
    await waitFor('live trades on the page', async () => (await ticker()).trades['BTC.trade']!.length >= 5, 30_000, 200);
    expect(await page.locator('#connection').getAttribute('data-state')).toBe('open');
    await waitFor('an order book on the page', async () => ((await page.locator('#bids tbody tr').count()) > 0 ? true : undefined), 10_000, 200);
    // A market that looks real: the top ten levels a side of a 200-level book kept in the browser from
    // the feed's incremental updates, around BTC's reference level, bids below asks, a spread of a few
    // ticks (packages/feed: instruments.ts, order-book.ts).
    const level = async (side: string, row: number) => Number(await page.locator(`#${side} tbody tr:nth-child(${row}) td:first-child`).textContent());
    await page.locator('#book-symbol').selectOption('BTC');
    await waitFor('the BTC book', async () => ((await level('bids', 1)) > 50_000 ? true : undefined), 10_000, 200);
    expect(await page.locator('#bids tbody tr').count()).toBe(10);
    expect(await page.locator('#asks tbody tr').count()).toBe(10);
    const [bestBid, bestAsk, deepBid] = [await level('bids', 1), await level('asks', 1), await level('bids', 10)];
    expect(bestBid).toBeLessThan(bestAsk);
    expect(bestAsk - bestBid).toBeLessThan(5);
    expect(deepBid).toBeLessThan(bestBid);
    expect(bestBid).toBeGreaterThan(90_000);
    expect(bestBid).toBeLessThan(105_000);
    const kept = (await ticker()).books['BTC']!;
    expect([kept.bids, kept.asks]).toEqual([200, 200]);
    // The depth chart: each side an area path through its cumulative sizes.
    for (const side of ['bids', 'asks']) expect((await page.locator(`#depth-${side}`).getAttribute('d'))?.split(' L').length).toBeGreaterThan(10);
    // Tickers come as deflate deltas (binary frames) that the SDK rebuilds in the browser: what the
    // page shows is the Kafka record at that position, exactly.
    await waitFor('ticker deltas on the page', async () => ((await ticker()).tickers['BTC.ticker']?.updates ?? 0) >= 5, 20_000, 200);
    expect(binaryFrames.count).toBeGreaterThan(0);
    const shownTicker = (await ticker()).tickers['BTC.ticker']!;
    expect(shownTicker.data).toEqual((kafkaValue(tickers, shownTicker.pos) as { data: unknown }).data);
    expect(await page.locator('#markets tbody tr:first-child .change').textContent()).toMatch(/^[+-]?\d+\.\d\d%$/);
    const screenshot = join(mkdtempSync(join(tmpdir(), 'odin-page-shot-')), 'market.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`[ticker-page] market screenshot: ${screenshot}`);

    // The page is the only client: the shard holding one connection is the one it is on.
    const healths = await Promise.all(shardUrls.map(async (url) => (await (await fetch(`${url}/health`)).json()) as { connections: number; pid: number }));
    const victim = healths.find((health) => health.connections === 1)!;
    expect(victim).toBeDefined();
    process.kill(victim.pid, 'SIGKILL');
    const seenBefore = (await ticker()).trades['BTC.trade']!.length;

    await waitFor(
      'the page to reconnect and resume',
      async () => {
        const state = await ticker();
        return (
          state.reconnects >= 1 &&
          state.connection === 'open' &&
          state.recoveries.some((event) => event.channel === 'BTC.trade') &&
          state.trades['BTC.trade']!.length >= seenBefore + 10
        );
      },
      30_000,
      200,
    );
    expect(await page.locator('#connection').getAttribute('data-state')).toBe('open');
    const state = await ticker();
    expect(state.recoveries.filter((event) => !event.recovered)).toEqual([]);
    expect(Number(await page.locator('#stat-gaps').textContent())).toBe(0);

    // No gap: the page showed exactly Kafka's BTC trades from its first to its last one.
    const shown = state.trades['BTC.trade']!;
    // Read Kafka once nothing writes to it: with the feed still producing, kcat -e chases a moving end
    // (seconds at best, minutes on a loaded machine).
    fleet!.child.kill('SIGTERM');
    await fleet!.exited;
    const inKafka = kafkaPositions(trades, 'BTC').filter((p) => p.offset >= shown[0]!.offset && p.offset <= shown.at(-1)!.offset);
    expect(shown).toEqual(inKafka);
    expect(errors).toEqual([]);
  }, 180_000);

  it('streams with authentication on: the page gets its token through getToken, a client without one gets 401', async () => {
    const secret = join(mkdtempSync(join(tmpdir(), 'odin-page-')), 'secret');
    writeFileSync(secret, 'a-local-demo-secret-of-at-least-32-bytes', { mode: 0o600 });
    const { lbPort, webPort } = await startLocal([`--auth-secret-file=${secret}`]);
    expect(await handshake(`ws://127.0.0.1:${lbPort}/ws`)).toEqual({ status: 401, code: 'TOKEN_MISSING' });
    const { page, errors, ticker } = await openPage(webPort);
    await waitFor('live trades on the authenticated page', async () => (await ticker()).trades['BTC.trade']!.length >= 5, 30_000, 200);
    expect(await page.locator('#connection').getAttribute('data-state')).toBe('open');
    expect(errors).toEqual([]);
  }, 120_000);

  it('with a token the servers refuse, shows the session-expired state instead of reconnecting forever', async () => {
    const secret = join(mkdtempSync(join(tmpdir(), 'odin-page-')), 'secret');
    writeFileSync(secret, 'a-local-demo-secret-of-at-least-32-bytes', { mode: 0o600 });
    const { lbPort, webPort } = await startLocal([`--auth-secret-file=${secret}`]);
    // The page's sign-in hands out a token the fleet does not accept (another secret signed it).
    const forged = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ0cmFkZXItMSIsImV4cCI6NDEwMjQ0NDgwMH0.x7bVJ8Yv9mLwTn2QkVn3hWq5D6m0r1sT8uG4yZ2aB3c';
    const { page, errors, ticker } = await openPage(webPort, (page) => page.route('**/demo-token', (route) => route.fulfill({ body: forged })));
    await waitFor('the session-expired state', async () => ((await ticker()).connection === 'expired' ? true : undefined), 20_000, 200);
    const screenshot = join(mkdtempSync(join(tmpdir(), 'odin-page-shot-')), 'session-expired.png');
    await page.screenshot({ path: screenshot });
    console.log(`[ticker-page] session-expired screenshot: ${screenshot}`);
    expect(await page.locator('#connection').getAttribute('data-state')).toBe('expired');
    expect(await page.locator('#connection-text').textContent()).toBe('session expired (TOKEN_INVALID): sign in again');
    expect(await page.locator('#session-expired').isVisible()).toBe(true);
    const state = await ticker();
    expect(state.refusals.at(-1)).toEqual({ code: 'E_UNAUTHORIZED', serverCode: 'TOKEN_INVALID', final: true });
    expect(state.recoveries).toEqual([]); // never served: no stream to resume, so no gap reported
    // It stopped: no handshake after it gave up.
    const refused = metricValue(await (await fetch(`http://127.0.0.1:${lbPort + ADMIN_PORT_OFFSET}/metrics`)).text(), 'ws_auth_refusals_total', {
      code: 'TOKEN_INVALID',
    });
    expect(refused).toBe(state.refusals.length);
    await sleep(3000);
    expect(
      metricValue(await (await fetch(`http://127.0.0.1:${lbPort + ADMIN_PORT_OFFSET}/metrics`)).text(), 'ws_auth_refusals_total', { code: 'TOKEN_INVALID' }),
    ).toBe(refused);
    expect(errors).toEqual([]);
  }, 120_000);
});
