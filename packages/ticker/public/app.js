// The live ticker: trades and order books of every symbol, through the odin-ws client SDK.
import { OdinClient } from '/sdk/odin-client.js';

const TAPE_LENGTH = 30;
const config = await (await fetch('/config.json')).json();
const $ = (id) => document.getElementById(id);

/** What the page has shown, exposed for the end-to-end test (and for the curious, in the console). */
const state = { connection: 'connecting', messages: 0, reconnects: 0, recovered: 0, notRecovered: 0, trades: {}, tickers: {}, recoveries: [], refusals: [] };
window.ticker = state;

// With authentication on, the SDK asks getToken for a token before every connection and again when
// the server warns that the current one expires. Local mode mints short-lived demo tokens at
// /demo-token; a real site would return the token of its logged-in user.
const getToken = async () => (await fetch('/demo-token')).text();
const client = new OdinClient({ url: config.url, ...(config.auth ? { getToken } : {}) });
client.on('state', (connection) => {
  // A refused session stays shown as expired: `closed` after it is the client giving up.
  if (state.connection === 'expired') return;
  state.connection = connection;
  $('connection').dataset.state = connection;
  $('connection-text').textContent = connection;
});
// The server refused the token (or the page's origin): a browser learns it only from the close
// frame (4401/4403), which the SDK reads. While the SDK retries with a new token the page says so;
// when it gives up, the session has expired: no more reconnecting, the user must sign in again.
client.on('error', (error) => {
  if (error.code !== 'E_UNAUTHORIZED' && error.code !== 'E_FORBIDDEN') return;
  state.refusals.push({ code: error.code, serverCode: error.details.serverCode, final: error.details.final === true });
  if (!error.details.final) {
    $('connection-text').textContent = `token refused (${error.details.serverCode}): retrying with a new one`;
    return;
  }
  state.connection = 'expired';
  $('connection').dataset.state = 'expired';
  $('connection-text').textContent = `session expired (${error.details.serverCode}): sign in again`;
  $('session-expired').hidden = false;
});
client.on('reconnect', (event) => {
  state.reconnects++;
  $('stat-reconnects').textContent = state.reconnects;
  $('connection-text').textContent = `reconnecting in ${(event.delayMs / 1000).toFixed(1)} s (${event.cause})`;
});
client.on('recovery', (event) => {
  state.recoveries.push(event);
  if (event.recovered) state.recovered++;
  else state.notRecovered++;
  $('stat-recovered').textContent = state.recovered;
  $('stat-gaps').textContent = state.notRecovered;
});

const rows = new Map();
for (const symbol of config.symbols) {
  const row = document.createElement('tr');
  row.innerHTML = `<td>${symbol}</td><td class="last">–</td><td class="side"></td><td class="qty"></td><td class="change"></td><td class="volume"></td><td class="count">0</td>`;
  $('markets').tBodies[0].append(row);
  rows.set(symbol, row);
  const option = document.createElement('option');
  option.textContent = symbol;
  $('book-symbol').append(option);
  state.trades[`${symbol}.trade`] = [];

  // Trades compressed: each one a binary frame the server deflates once for all its subscribers.
  client.subscribe(`${symbol}.trade`, { compress: true }, (message) => showTrade(symbol, message));
  // Tickers as deltas: each update is a binary frame the server compresses once against the previous
  // ticker (about a tenth of its bytes); the SDK rebuilds it, so the handler sees the full ticker.
  client.subscribe(`${symbol}.ticker`, { delta: true }, (message) => showTicker(symbol, message));
  // A screen repaints a few times a second: the book's 250 ms rate variant (at most four updates a
  // second, always the latest), starting with its snapshot so a quiet book shows at once.
  client.subscribe(`${symbol}.book@250ms`, (message) => {
    countMessage();
    if ($('book-symbol').value === symbol) showBook(message.data.data);
  });
}
client.connect();

function countMessage() {
  state.messages++;
  $('stat-messages').textContent = state.messages;
}

function showTrade(symbol, message) {
  countMessage();
  const trade = message.data.data;
  state.trades[message.channel].push(message.pos);
  const row = rows.get(symbol);
  row.querySelector('.last').textContent = trade.price;
  row.querySelector('.side').textContent = trade.side;
  row.querySelector('.side').className = `side ${trade.side}`;
  row.querySelector('.qty').textContent = trade.qty;
  row.querySelector('.count').textContent = state.trades[message.channel].length;
  const item = document.createElement('li');
  item.className = `${trade.side}${message.replayed ? ' replayed' : ''}`;
  item.textContent = `${new Date(message.ts).toLocaleTimeString()} ${symbol} ${trade.side} ${trade.qty} @ ${trade.price}`;
  $('tape').prepend(item);
  while ($('tape').children.length > TAPE_LENGTH) $('tape').lastChild.remove();
}

function showTicker(symbol, message) {
  countMessage();
  const ticker = message.data.data;
  state.tickers[message.channel] = { pos: message.pos, data: ticker, updates: (state.tickers[message.channel]?.updates ?? 0) + 1 };
  const row = rows.get(symbol);
  const change = row.querySelector('.change');
  change.textContent = `${ticker.change24h > 0 ? '+' : ''}${ticker.change24h.toFixed(2)}%`;
  change.className = `change ${ticker.change24h < 0 ? 'sell' : 'buy'}`;
  row.querySelector('.volume').textContent = ticker.volume24h.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

function showBook(book) {
  // Prices at the instrument's tick, as a venue prints them (97249.0, not 97249): JSON drops trailing zeros.
  const decimals = (value) => (String(value).split('.')[1] ?? '').length;
  const digits = Math.max(...[...book.bids, ...book.asks].map(([price]) => decimals(price)));
  const fill = (table, levels) => {
    table.tBodies[0].innerHTML = levels.map(([price, size]) => `<tr><td>${price.toFixed(digits)}</td><td>${size}</td></tr>`).join('');
  };
  fill($('bids'), book.bids);
  fill($('asks'), book.asks);
  $('book-seq').textContent = `update #${book.seq}`;
}
