import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { MAX_WS_MESSAGE_BYTES, type WsConnection } from "./ws-session.ts";

export { MAX_WS_MESSAGE_BYTES };

/** What the runtime-neutral session answers a connection with (see `openWsSession`). */
export interface WsSessionHandlers {
  onMessage(text: string): void;
  onClose(): void | Promise<void>;
}

/**
 * Serves `GET /v1/ws` upgrades on a Node HTTP server. Every socket and WebSocket has an error
 * path: a malformed frame (bad UTF-8, unmasked, reserved opcode or bits, oversized length) closes
 * that one connection with the protocol's close code and never reaches the process.
 */
export function attachWebSocket(server: Server, open: (conn: WsConnection) => WsSessionHandlers): { close(): void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES, perMessageDeflate: false });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node's HTTP server removes its own socket error listener on upgrade: without this, a peer
    // that resets the connection mid-handshake would end the process.
    socket.on("error", () => socket.destroy());
    if (new URL(req.url ?? "/", "http://x").pathname !== "/v1/ws") {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = open({
        send: (text) => ws.send(text),
        bufferedAmount: () => ws.bufferedAmount,
        close: (code, reason) => ws.close(code, reason),
      });
      // ws has already sent the close frame the protocol asks for (1002, 1007 or 1009); a
      // hostile peer's mistakes are not worth a log line each.
      ws.on("error", () => ws.terminate());
      ws.on("message", (data, isBinary) => {
        if (isBinary) return ws.close(1003, "text frames only");
        session.onMessage(String(data));
      });
      ws.on("close", () => void session.onClose());
    });
  });
  return { close: () => wss.close() };
}
