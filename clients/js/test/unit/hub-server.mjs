// The WebSocket side of the scripted hubs the unit tests talk to: a server on a free local port, its connections,
// its URL, cutting them and closing it. Each test's hub adds what it answers.
import { WebSocketServer } from 'ws';

/** A WebSocket server listening on a free port of 127.0.0.1. */
export async function listen() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  return wss;
}

/** A scripted hub on `wss`: each new connection is kept and handed to `connected(ws)`, which a subclass defines. */
export class HubServer {
  constructor(wss) {
    this.wss = wss;
    this.sockets = [];
    wss.on('connection', (ws) => {
      this.sockets.push(ws);
      this.connected(ws);
    });
  }

  get url() {
    return `ws://127.0.0.1:${this.wss.address().port}/scribe`;
  }

  /** Drops every connection without a close frame, as a server restart or a network cut does. */
  cut() {
    for (const s of this.sockets) s.terminate();
    this.sockets = [];
  }

  close() {
    this.cut();
    return new Promise((r) => this.wss.close(r));
  }
}
