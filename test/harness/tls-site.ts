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
