// What an HTTPS endpoint offers a browser for its WebSocket: the protocol it picks when
// HTTP/2 is offered first (ALPN), and, over HTTP/2, whether it announces WebSockets over
// HTTP/2 (RFC 8441, SETTINGS_ENABLE_CONNECT_PROTOCOL) — which browsers then try first, and
// which must work if announced. Prints {"alpn": ..., "connectProtocol": true|false}.
// Usage: node h2_websocket_offer.mjs HOST PORT
import { connect } from 'node:tls';
import http2 from 'node:http2';

const [host, port] = process.argv.slice(2);
const alpn = await new Promise((resolve, reject) => {
  const socket = connect({ host, port: Number(port), servername: host, ALPNProtocols: ['h2', 'http/1.1'], rejectUnauthorized: false },
    () => { resolve(socket.alpnProtocol || 'http/1.1'); socket.end(); });
  socket.on('error', reject);
});
let connectProtocol = false;
if (alpn === 'h2') {
  connectProtocol = await new Promise((resolve, reject) => {
    const session = http2.connect(`https://${host}:${port}`, { rejectUnauthorized: false });
    session.on('remoteSettings', (settings) => { resolve(settings.enableConnectProtocol === true); session.close(); });
    session.on('error', reject);
    setTimeout(() => { resolve(false); session.close(); }, 3000);
  });
}
console.log(JSON.stringify({ alpn, connectProtocol }));
