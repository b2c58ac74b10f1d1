/**
 * The machine's floor for `bench:live`: a server that does nothing but parse each POSTed JSON body and send it
 * to every WebSocket client (no validation, no state, no database). `bench:live` drives it exactly like
 * Flightdeck, so the difference between the two is what Flightdeck adds; the floor itself is what this machine
 * (its scheduler, loopback, the generator sharing its cores) costs. Prints `FLOOR_READY <port>`.
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const message = JSON.stringify({ type: 'session-upsert', data: body });
    for (const client of wss.clients) client.send(message);
    res.writeHead(202, { 'content-type': 'application/json', 'content-length': 11 });
    res.end('{"ok":true}');
  });
});
// Keep-alive connections stay open as long as Flightdeck's do (its keepAliveTimeout).
server.keepAliveTimeout = 65_000;
const wss = new WebSocketServer({ server });
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  console.log(`FLOOR_READY ${typeof addr === 'object' && addr ? addr.port : 0}`);
});
