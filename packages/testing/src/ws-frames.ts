import { once } from "node:events";
import { type Socket, connect as tcpConnect } from "node:net";

/**
 * Raw WebSocket client frames, for tests of what a server does with hostile ones: malformed
 * framing, lying lengths, oversized messages (RFC 6455 §5).
 */
/** One client frame: FIN, RSV bits, opcode, mask, a payload and optionally a lying length. */
export interface Frame {
  fin?: boolean;
  rsv?: number;
  opcode: number;
  masked?: boolean;
  payload?: Buffer;
  /** Announce this length instead of the payload's (64-bit form). */
  length?: bigint;
}

export function encodeFrame(f: Frame): Buffer {
  const payload = f.payload ?? Buffer.alloc(0);
  const masked = f.masked ?? true;
  const head = [((f.fin ?? true) ? 0x80 : 0) | ((f.rsv ?? 0) << 4) | f.opcode];
  const parts: Buffer[] = [];
  if (f.length !== undefined) {
    const len = Buffer.alloc(8);
    len.writeBigUInt64BE(f.length);
    parts.push(Buffer.from([head[0] ?? 0, (masked ? 0x80 : 0) | 127]), len);
  } else if (payload.length < 126) {
    parts.push(Buffer.from([head[0] ?? 0, (masked ? 0x80 : 0) | payload.length]));
  } else if (payload.length < 65536) {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(payload.length);
    parts.push(Buffer.from([head[0] ?? 0, (masked ? 0x80 : 0) | 126]), len);
  } else {
    const len = Buffer.alloc(8);
    len.writeBigUInt64BE(BigInt(payload.length));
    parts.push(Buffer.from([head[0] ?? 0, (masked ? 0x80 : 0) | 127]), len);
  }
  if (masked) {
    const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
    parts.push(key, Buffer.from(payload.map((b, i) => b ^ (key[i % 4] ?? 0))));
  } else {
    parts.push(payload);
  }
  return Buffer.concat(parts);
}

const text = (s: string) => Buffer.from(s, "utf8");
const closeBody = (code: number, reason = "") => Buffer.concat([Buffer.from([code >> 8, code & 0xff]), text(reason)]);

/** Each hostile sequence and the close code RFC 6455 asks for (null: the server just drops the socket). */
/**
 * Each hostile sequence and the close code RFC 6455 asks for (null: the client hangs up itself).
 * `mayReset`: the server may cut the socket while the client still writes, and the kernel's reset
 * can discard the close frame before the client reads it.
 */
export const HOSTILE_FRAMES: { name: string; frames: Frame[]; code: number | null; mayReset?: boolean }[] = [
  { name: "invalid UTF-8 in a text frame", frames: [{ opcode: 1, payload: Buffer.from([0xc3, 0x28]) }], code: 1007 },
  { name: "an unmasked client frame", frames: [{ opcode: 1, masked: false, payload: text("hi") }], code: 1002 },
  { name: "reserved data opcode 3", frames: [{ opcode: 3, payload: text("x") }], code: 1002 },
  { name: "reserved control opcode 0xb", frames: [{ opcode: 0xb }], code: 1002 },
  { name: "RSV1 without an extension", frames: [{ opcode: 1, rsv: 4, payload: text("x") }], code: 1002 },
  { name: "RSV2", frames: [{ opcode: 1, rsv: 2, payload: text("x") }], code: 1002 },
  { name: "RSV3", frames: [{ opcode: 1, rsv: 1, payload: text("x") }], code: 1002 },
  { name: "a length of 2^63-1", frames: [{ opcode: 1, length: 2n ** 63n - 1n }], code: 1009 },
  { name: "a length with the top bit set", frames: [{ opcode: 2, length: 2n ** 64n - 1n }], code: 1009 },
  {
    name: "a message over the size limit",
    frames: [{ opcode: 1, payload: Buffer.alloc(1024 * 1024 + 1, 0x61) }],
    code: 1009,
    mayReset: true,
  },
  {
    name: "a message over the limit in fragments",
    frames: [
      { opcode: 1, fin: false, payload: Buffer.alloc(1024 * 1024, 0x61) },
      { opcode: 0, payload: Buffer.alloc(16, 0x61) },
    ],
    code: 1009,
    mayReset: true,
  },
  { name: "a continuation with nothing to continue", frames: [{ opcode: 0, payload: text("x") }], code: 1002 },
  { name: "a fragmented ping", frames: [{ opcode: 9, fin: false }], code: 1002 },
  { name: "a ping of 126 bytes", frames: [{ opcode: 9, payload: Buffer.alloc(126) }], code: 1002 },
  { name: "a close frame with a 1-byte body", frames: [{ opcode: 8, payload: Buffer.from([3]) }], code: 1002 },
  { name: "a close frame with code 999", frames: [{ opcode: 8, payload: closeBody(999) }], code: 1002 },
  {
    name: "a close frame with invalid UTF-8 reason",
    frames: [{ opcode: 8, payload: Buffer.concat([closeBody(1000), Buffer.from([0xff])]) }],
    code: 1007,
  },
  {
    name: "a new text frame inside a fragmented message",
    frames: [
      { opcode: 1, fin: false, payload: text("a") },
      { opcode: 1, payload: text("b") },
    ],
    code: 1002,
  },
  { name: "a binary frame", frames: [{ opcode: 2, payload: Buffer.from([1, 2, 3]) }], code: 1003 },
  { name: "a truncated frame, then the peer goes away", frames: [{ opcode: 1, length: 1000n }], code: null },
];

/**
 * Does a WebSocket handshake by hand with the server on loopback `port`, writes raw bytes, and
 * reads until the server closes the socket or sends its close frame.
 */
export async function rawSession(
  port: number,
  bytes: Buffer,
  hangUp: boolean,
  path = "/v1/ws",
  waitMs = 4000,
): Promise<{ data: Buffer; closed: boolean }> {
  const socket: Socket = tcpConnect(port, "127.0.0.1");
  await once(socket, "connect");
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  );
  const chunks: Buffer[] = [];
  socket.on("data", (d: Buffer) => chunks.push(d));
  socket.on("error", () => {});
  // Wait for the 101 before the frames, as a client would.
  const started = Date.now();
  while (!Buffer.concat(chunks).includes("\r\n\r\n")) {
    if (socket.closed || Date.now() - started > 10_000) throw new Error("no handshake answer");
    await new Promise((r) => setTimeout(r, 5));
  }
  chunks.splice(0, chunks.length, Buffer.concat(chunks).subarray(Buffer.concat(chunks).indexOf("\r\n\r\n") + 4));
  socket.write(bytes);
  if (hangUp) socket.destroy();
  else {
    // Until the server closes the socket or sends its close frame (it then waits for ours).
    const deadline = Date.now() + waitMs;
    while (!socket.closed && closeCodeOf(Buffer.concat(chunks)) === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const closed = socket.closed;
  socket.destroy();
  return { data: Buffer.concat(chunks), closed };
}

/** Whether the server answered a hostile sequence as `h` expects: its close code, or a cut socket. */
export function answeredAsExpected(h: (typeof HOSTILE_FRAMES)[number], reply: { data: Buffer; closed: boolean }) {
  const code = closeCodeOf(reply.data);
  if (h.code === null) return true;
  return code === h.code || (code === null && reply.closed && h.mayReset === true);
}

/** The close code in the first close frame the server sent, if any. */
export function closeCodeOf(data: Buffer): number | null {
  let i = 0;
  while (i + 2 <= data.length) {
    const opcode = (data[i] ?? 0) & 0x0f;
    let len = (data[i + 1] ?? 0) & 0x7f;
    let at = i + 2;
    if (len === 126) {
      len = data.readUInt16BE(at);
      at += 2;
    } else if (len === 127) {
      len = Number(data.readBigUInt64BE(at));
      at += 8;
    }
    if (opcode === 8) return len >= 2 ? data.readUInt16BE(at) : 1005;
    i = at + len;
  }
  return null;
}
