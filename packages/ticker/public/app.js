// The live ticker: trades and order books of every symbol, through the odin-ws client SDK.
import { OdinClient } from '/sdk/odin-client.js';

const TAPE_LENGTH = 30;
const config = await (await fetch('/config.json')).json();
const $ = (id) => document.getElementById(id);

/** What the page has shown, exposed for the end-to-end test (and for the curious, in the console). */
const state = {
  connection: 'connecting',
  messages: 0,
  reconnects: 0,
  recovered: 0,
  notRecovered: 0,
  trades: {},
  tickers: {},
  books: {},
  recoveries: [],
  refusals: [],
};
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
  // The book is kept in the browser from its 250 ms rate variant: a snapshot, then at most four merged
  // updates a second (every level changed since the previous one), each checked by the SDK against the
  // server's checksum and seq; a mismatch resyncs from a fresh snapshot, so a wrong book is never shown.
  client.book(`${symbol}.book`, { rate: 250 }, (book) => {
    countMessage();
    state.books[symbol] = { channel: book.channel, seq: book.seq, bids: book.bids.length, asks: book.asks.length };
    if ($('book-symbol').value === symbol) showBook(book);
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

const BOOK_ROWS = 10;
/** Levels a side the depth chart draws: the part of a 200-level book a trader looks at. */
const CHART_LEVELS = 50;

function showBook(book) {
  // Prices and sizes are decimal text at the instrument's tick and lot, shown as published.
  const fill = (table, levels) => {
    table.tBodies[0].innerHTML = levels
      .slice(0, BOOK_ROWS)
      .map(([price, size]) => `<tr><td>${price}</td><td>${size}</td></tr>`)
      .join('');
  };
  fill($('bids'), book.bids);
  fill($('asks'), book.asks);
  $('book-seq').textContent = `seq ${book.seq}, ${book.bids.length} + ${book.asks.length} levels, checksum checked`;
  drawDepth(book.bids.slice(0, CHART_LEVELS), book.asks.slice(0, CHART_LEVELS));
}

/**
 * The depth chart: cumulative size against price, bids rising to the left of the spread, asks to its
 * right. Numbers here only place pixels; the book itself stays decimal text.
 */
function drawDepth(bids, asks) {
  const svg = $('depth');
  const [width, height] = [svg.viewBox.baseVal.width, svg.viewBox.baseVal.height];
  if (bids.length === 0 || asks.length === 0) return;
  const cumulative = (levels) => {
    let total = 0;
    return levels.map(([price, size]) => {
      total += Number(size);
      return [Number(price), total];
    });
  };
  const bidSteps = cumulative(bids);
  const askSteps = cumulative(asks);
  const low = bidSteps.at(-1)[0];
  const high = askSteps.at(-1)[0];
  const most = Math.max(bidSteps.at(-1)[1], askSteps.at(-1)[1]);
  const x = (price) => ((price - low) / (high - low || 1)) * width;
  const y = (size) => height - (size / most) * (height - 4);
  const area = (steps) => {
    let path = `M${x(steps[0][0]).toFixed(1)},${height}`;
    for (const [price, size] of steps) path += ` L${x(price).toFixed(1)},${y(size).toFixed(1)}`;
    return `${path} L${x(steps.at(-1)[0]).toFixed(1)},${height} Z`;
  };
  $('depth-bids').setAttribute('d', area(bidSteps));
  $('depth-asks').setAttribute('d', area(askSteps));
}
