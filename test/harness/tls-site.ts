// A TLS 1.3 web site on a test host (the site a Reality inbound borrows): Python's
// threaded HTTPS server, TLS 1.3 only, each handshake in its connection's own thread.
// That matters: Reality relays every visitor that is not a client to this site and may
// hold the connection open, so a server that handshakes in its accept loop (or answers
// one connection at a time, like openssl s_server) stalls every later visitor.
import type { TestHost } from './host.ts';

const SITE = String.raw`
import http.server, ssl, sys
host, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"camouflage\n"
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_cert_chain(cert, key)
class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # The handshake runs in the connection's own thread: one visitor that never finishes
    # it must not hold up the accept loop.
    def finish_request(self, request, client_address):
        request.settimeout(15)
        try:
            request = ctx.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        self.RequestHandlerClass(request, client_address, self)
S((host, port), H).serve_forever()
`;

/** Starts the site on host:port with the given PEM certificate and key; returns its PID once it listens. */
export async function startTlsSite(h: TestHost, opts: { host: string; port: number; certPem: string; keyPem: string }): Promise<number> {
  const dir = `/root/tls-site-${opts.port}`;
  await h.exec(['sh', '-c', `mkdir -p ${dir} && umask 077 && cat > ${dir}/site.py`], { input: SITE, check: true });
  await h.exec(['sh', '-c', `cat > ${dir}/cert.pem`], { input: opts.certPem, check: true });
  await h.exec(['sh', '-c', `umask 077 && cat > ${dir}/key.pem`], { input: opts.keyPem, check: true });
  const pid = await h.spawnServer(['/usr/bin/python3', `${dir}/site.py`, opts.host, String(opts.port), `${dir}/cert.pem`, `${dir}/key.pem`]);
  const wait = await h.exec(['sh', '-c', `for i in $(seq 200); do ss -Hltn | grep -q "${opts.host}:${opts.port} " && exit 0; sleep 0.05; done; exit 1`]);
  if (wait.code !== 0) throw new Error(`boxfleet harness: TLS site on ${h.name} ${opts.host}:${opts.port} did not start`);
  return pid;
}

const RELAY = String.raw`
import select, socket, ssl, sys, threading
host, port, cert, key, to_host, to_port, to_name = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]), sys.argv[7]
front = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
front.load_cert_chain(cert, key)
back = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
# A CDN in "full" mode: the origin's certificate is not verified (it may still be coming from ACME).
back.check_hostname = False
back.verify_mode = ssl.CERT_NONE
# One thread per connection, both directions in it: an SSL socket must not be read and
# written from two threads at once.
def serve(c):
    c.settimeout(15)
    try:
        c = front.wrap_socket(c, server_side=True)
        o = back.wrap_socket(socket.create_connection((to_host, to_port), timeout=15), server_hostname=to_name)
    except (OSError, ssl.SSLError):
        c.close(); return
    peer = {c: o, o: c}
    try:
        while True:
            ready, _, _ = select.select([c, o], [], [], 300)
            if not ready: break
            for s in ready:
                d = s.recv(65536)
                if not d: raise EOFError
                peer[s].sendall(d)
                while s.pending(): peer[s].sendall(s.recv(65536))
    except (OSError, EOFError, ssl.SSLError): pass
    finally:
        c.close(); o.close()
srv = socket.create_server((host, port))
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
`;

/**
 * A CDN in front of an origin: terminates TLS for its own name on host:port and relays
 * the bytes over a new TLS connection to the origin (what a CDN does for a WebSocket
 * inbound with `public_host`). Returns its PID once it listens.
 */
export async function startTlsRelay(h: TestHost, opts: { host: string; port: number; certPem: string; keyPem: string; to: { host: string; port: number; serverName: string } }): Promise<number> {
  const dir = `/root/tls-relay-${opts.port}`;
  await h.exec(['sh', '-c', `mkdir -p ${dir} && umask 077 && cat > ${dir}/relay.py`], { input: RELAY, check: true });
  await h.exec(['sh', '-c', `cat > ${dir}/cert.pem`], { input: opts.certPem, check: true });
  await h.exec(['sh', '-c', `umask 077 && cat > ${dir}/key.pem`], { input: opts.keyPem, check: true });
  const pid = await h.spawnServer(['/usr/bin/python3', `${dir}/relay.py`, opts.host, String(opts.port), `${dir}/cert.pem`, `${dir}/key.pem`, opts.to.host, String(opts.to.port), opts.to.serverName]);
  const wait = await h.exec(['sh', '-c', `for i in $(seq 200); do ss -Hltn | grep -q "${opts.host}:${opts.port} " && exit 0; sleep 0.05; done; exit 1`]);
  if (wait.code !== 0) throw new Error(`boxfleet harness: TLS relay on ${h.name} ${opts.host}:${opts.port} did not start`);
  return pid;
}
