// The WebSocket side of the scripted hubs the unit tests talk to: a server on a free local port, its connections,
// its URL, cutting them and closing it, and the hello every hub answers first. Each test's hub adds what it answers.
import { WebSocketServer } from 'ws';
import { Scriber, parseJson, toJson } from '../../dist/index.js';

/** A WebSocket server listening on a free port of 127.0.0.1. */
export async function listen() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  return wss;
}

/**
 * The handshake of a scripted hub on `ws`: the client's first message (its `hello`) goes to `onHello` and is answered
 * with the hub's `hello` naming `server`, followed by the messages `then()` returns (the hub's own `sync`, ...); every
 * later message goes to `handle`, parsed.
 */
export function greet(ws, handle, { server = 'hub', onHello = () => {}, then = () => [] } = {}) {
  let hello = false;
  ws.on('message', (data) => {
    const m = parseJson(data.toString());
    if (!hello) {
      hello = true;
      onHello(m);
      ws.send(toJson({ type: 'hello', client: server }));
      for (const message of then()) ws.send(toJson(message));
      return;
    }
    handle(m);
  });
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

/** A peer named `js` on `store` with the Task class the scripted hubs send. */
export async function openTasks(store) {
  const s = await Scriber.open({ clientId: 'js', store, onError: () => {} });
  s.register('Task', { fields: ['title', 'done', 'priority', 'tags'] });
  return s;
}

/** Resolves once `check()` holds (the test's timeout bounds the wait). */
export async function until(check) {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}
