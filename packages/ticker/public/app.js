// The live ticker: trades and order books of every symbol, through the odin-ws client SDK.
import { OdinClient } from '/sdk/odin-client.js';

const TAPE_LENGTH = 30;
const config = await (await fetch('/config.json')).json();
const $ = (id) => document.getElementById(id);

/** What the page has shown, exposed for the end-to-end test (and for the curious, in the console). */
const state = { connection: 'connecting', messages: 0, reconnects: 0, recovered: 0, notRecovered: 0, trades: {}, recoveries: [] };
window.ticker = state;

// With authentication on, the SDK asks getToken for a token before every connection and again when
// the server warns that the current one expires. Local mode mints short-lived demo tokens at
// /demo-token; a real site would return the token of its logged-in user.
const getToken = async () => (await fetch('/demo-token')).text();
const client = new OdinClient({ url: config.url, ...(config.auth ? { getToken } : {}) });
client.on('state', (connection) => {
  state.connection = connection;
  $('connection').dataset.state = connection;
  $('connection-text').textContent = connection;
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
  row.innerHTML = `<td>${symbol}</td><td class="last">–</td><td class="side"></td><td class="qty"></td><td class="count">0</td>`;
  $('markets').tBodies[0].append(row);
  rows.set(symbol, row);
  const option = document.createElement('option');
  option.textContent = symbol;
  $('book-symbol').append(option);
  state.trades[`${symbol}.trade`] = [];

  client.subscribe(`${symbol}.trade`, (message) => showTrade(symbol, message));
  client.subscribe(`${symbol}.book`, (message) => {
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

function showBook(book) {
  const fill = (table, levels) => {
    table.tBodies[0].innerHTML = levels.map(([price, size]) => `<tr><td>${price}</td><td>${size}</td></tr>`).join('');
  };
  fill($('bids'), book.bids);
  fill($('asks'), book.asks);
  $('book-seq').textContent = `update #${book.seq}`;
}
