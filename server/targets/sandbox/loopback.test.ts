import { describe, expect, it } from 'vitest';
import { listenersOf, nonLoopbackUse } from './loopback';

const cfg = (...lines: string[]) => ['global', '    log stdout format raw local0', '', 'frontend fe', ...lines.map((l) => `    ${l}`)].join('\n');

describe('loopback guard', () => {
  it('accepts binds, servers and logs on loopback, stdout or a local socket', () => {
    expect(nonLoopbackUse(cfg('bind 127.0.0.1:8080', 'log /run/x.sock local0', 'log global', 'server a 127.0.0.1:9000 weight 1', 'http-request deny if { src 10.0.0.0/8 }'))).toBeUndefined();
  });

  it.each([
    ['bind 0.0.0.0:8080'],
    ['bind :8080'],
    ['bind 127.0.0.2:8080'],
    ['bind [::]:8080'],
    ['server a 10.1.2.3:80 check'],
    ['server a example.com:443'],
    ['server-template s 3 10.0.0.1:80'],
    ['log 192.168.1.5:514 local0'],
    ['http-request set-dst ipv4(10.0.0.1)'],
    ['dispatch 10.0.0.1:80'],
  ])('refuses %s', (line) => {
    expect(nonLoopbackUse(cfg('bind 127.0.0.1:8080', line))).toMatch(new RegExp(`^line \\d+: ${line.replace(/[[\]().*+?]/g, '\\$&')}$`));
  });

  it('refuses sections that talk to the network', () => {
    expect(nonLoopbackUse(`${cfg('bind 127.0.0.1:1')}\n\nresolvers dns\n    nameserver ns1 127.0.0.1:53`)).toMatch(/resolvers dns/);
    expect(nonLoopbackUse(`${cfg('bind 127.0.0.1:1')}\n\npeers p\n    peer a 127.0.0.1:1024`)).toMatch(/peers p/);
  });

  it('lists listeners and how to probe them', () => {
    const text = [
      'frontend fe_a',
      '    bind 127.0.0.1:1001',
      '',
      'frontend fe_b',
      '    mode tcp',
      '    bind 127.0.0.1:1002',
      '',
      'frontend in_c',
      '    bind 127.0.0.1:1003 ssl crt /x/c.pem ca-file /x/ca.pem verify required',
      '',
      'backend be_a',
      '    server a 127.0.0.1:2000',
    ].join('\n');
    expect(listenersOf(text)).toEqual([
      { port: 1001, http: true, section: 'frontend fe_a' },
      { port: 1002, http: false, section: 'frontend fe_b' },
      { port: 1003, http: false, section: 'frontend in_c' },
    ]);
  });
});
