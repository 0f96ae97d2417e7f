// The page's session among several nodes (protocol.md, "moved"): its address carries the
// room for the proxy; a `moved` error sends the next connection — at once, not after a
// backoff — to the node it names, and only that one; a later reconnect goes back to the
// proxy. A `moved` whose address is not a ws(s):// one is not followed. A fake WebSocket
// stands in for the browser's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from '../js/session.js';
import * as protocol from '../js/protocol.js';

class FakeSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static opened = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    FakeSocket.opened.push(this);
    setTimeout(() => {
      if (this.readyState !== 0) return;  // closed while connecting
      this.readyState = 1;
      this.onopen?.();
    }, 0);
  }
  send(text) { this.sent.push(text); }
  close() { this.readyState = 3; }
  // What the server does: says something, then closes.
  serverSays(message) { this.onmessage?.({ data: JSON.stringify({ v: protocol.PROTOCOL_VERSION, ...message }) }); }
  serverCloses() { this.readyState = 3; this.onclose?.({ reason: 'closed' }); }
}
globalThis.WebSocket = FakeSocket;

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));
const moved = (url) => ({ type: 'error', code: 'moved', message: 'elsewhere', fatal: true, url });

test('a moved error sends the next connection straight to the named node, with the room; then back to the proxy', async () => {
  FakeSocket.opened = [];
  const session = new Session({ url: 'ws://proxy.example:7400/ws', room: 'klaver-1', name: 'Ida' });
  session.start();
  await tick();
  assert.equal(FakeSocket.opened[0].url, 'ws://proxy.example:7400/ws?room=klaver-1');
  FakeSocket.opened[0].serverSays(moved('ws://node-b.example:7402/ws'));
  FakeSocket.opened[0].serverCloses();
  await tick();  // no backoff: the next connection is already made
  assert.equal(FakeSocket.opened.length, 2);
  assert.equal(FakeSocket.opened[1].url, 'ws://node-b.example:7402/ws?room=klaver-1');
  assert.equal(session.currentUrl, 'ws://node-b.example:7402/ws?room=klaver-1', 'the video link and the twin follow');
  // That node goes away before a welcome: the next try goes to the proxy again, after the backoff.
  FakeSocket.opened[1].serverCloses();
  await tick(400);
  assert.equal(FakeSocket.opened.length, 3);
  assert.equal(FakeSocket.opened[2].url, 'ws://proxy.example:7400/ws?room=klaver-1');
  session.leave();
});

test('a moved error without a ws(s) address, or one too long, is not followed', async () => {
  for (const url of ['javascript:alert(1)', 'http://node.example/ws', `ws://node.example/${'x'.repeat(600)}`, undefined]) {
    FakeSocket.opened = [];
    const session = new Session({ url: 'ws://proxy.example:7400/ws', room: 'r', name: 'Ida' });
    session.start();
    await tick();
    FakeSocket.opened[0].serverSays(moved(url));
    FakeSocket.opened[0].serverCloses();
    await tick(400);
    assert.equal(FakeSocket.opened[1]?.url, 'ws://proxy.example:7400/ws?room=r', `not followed: ${url}`);
    session.leave();
  }
});

test('nodes naming each other: the session follows three times, then backs off like any failure', async () => {
  FakeSocket.opened = [];
  const session = new Session({ url: 'ws://proxy.example:7400/ws', room: 'r', name: 'Ida' });
  session.start();
  await tick();
  for (let i = 0; i < 4; i++) {
    const socket = FakeSocket.opened.at(-1);
    socket.serverSays(moved(`ws://node-${i % 2}.example/ws`));
    socket.serverCloses();
    await tick();
  }
  assert.equal(FakeSocket.opened.length, 4, 'three moves followed at once, the fourth not');
  session.leave();
});
