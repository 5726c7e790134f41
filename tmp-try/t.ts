import { startHosts } from '../test/harness/index.ts';
const f = await startHosts(3, { names: ['n1', 'client', 'censor'] });
try {
  const [node, client, censor] = f.hosts;
  await node.spawnServer(['/usr/bin/python3', '-m', 'http.server', '--bind', node.ip, '8444']);
  await node.spawnServer(['/usr/bin/python3', '-m', 'http.server', '--bind', node.ip, '8446']);
  await client.addRoute('default', node.ip);
  await client.addRoute(`${node.ip}/32`, censor.ip);
  console.log((await censor.exec(['sh', '-c', 'sysctl -w net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0; sysctl net.ipv4.conf.all.rp_filter net.ipv4.conf.eth0.rp_filter'])));
  await client.exec(['sh', '-c', 'sysctl -qw net.ipv4.conf.all.accept_redirects=0 net.ipv4.conf.eth0.accept_redirects=0'], { check: true });
  await new Promise((r) => setTimeout(r, 500));
  const c = async (p: number) => (await client.exec(['curl', '-sS', '-m', '3', '-o', '/dev/null', '-w', '%{http_code}', `http://${node.ip}:${p}/`])).stdout + ' ' + (await client.exec(['curl', '-sS', '-m', '3', `http://${node.ip}:${p}/`])).stderr;
  console.log('before', await c(8444), await c(8446));
  await censor.exec(['nft', '-f', '-'], { check: true, input: `table inet censor {\n  chain forward {\n    type filter hook forward priority 0;\n    ip daddr ${node.ip} tcp dport 8444 drop\n  }\n}\n` });
  console.log('after', await c(8444), await c(8446));
  console.log((await client.exec(['ip', 'route'])).stdout, (await client.exec(['ip', 'neigh'])).stdout);
} finally { await f.stop(); }
