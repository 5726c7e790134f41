// The WebSocket upgrade's proof of a real server: Sec-WebSocket-Accept, checked against
// RFC 6455's own example and against a server that answers the wrong value.
import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { wsAccept, wsUpgrade } from '../../scripts/probe/websocket.ts';

describe('Sec-WebSocket-Accept', () => {
  it('matches RFC 6455 section 1.3', () => {
    expect(wsAccept('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('an upgrade answered with a wrong value is a bad response; the right value passes', async () => {
    for (const honest of [false, true]) {
      const server = createServer((s: Socket) => {
        s.once('data', (d) => {
          const key = /sec-websocket-key: (\S+)/i.exec(d.toString('latin1'))![1]!;
          const accept = honest ? wsAccept(key) : wsAccept(`${key}x`);
          s.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as { port: number }).port;
      const sock = connect(port, '127.0.0.1');
      try {
        const upgrade = wsUpgrade(sock, '/ws', 'example.com', 3000);
        if (honest) await expect(upgrade).resolves.toBeInstanceOf(Buffer);
        else await expect(upgrade).rejects.toMatchObject({ cls: 'bad-response' });
      } finally {
        sock.destroy();
        await new Promise<void>((r) => server.close(() => r()));
      }
    }
  });
});
