import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Certificates } from './tls.js';
import type { Processes } from './processes.js';

export interface TlsFront {
  /** What nginx listens on, with TLS, and the plain HTTP port behind it. */
  listenPort: number;
  backendPort: number;
  /** The suite needs its forwarding headers (it builds its URLs from them and refuses plain HTTP). */
  kind: 'suite' | 'authorization-server';
}

/** Debian's nginx, installed with apt like the test suite's other system packages when missing. */
export function ensureNginx(repository: string): string {
  const found = (() => {
    try {
      return execFileSync('bash', ['-c', 'command -v nginx || ls /usr/sbin/nginx'], { encoding: 'utf8' }).trim().split('\n')[0];
    } catch {
      return undefined;
    }
  })();
  if (found) return found;
  execFileSync('bash', ['-c', `say() { echo "conformance: $*" >&2; }; fail() { say "$*"; exit 1; }; source "${join(repository, 'scripts', 'apt-packages.sh')}"; install_packages nginx-light`], { stdio: 'inherit' });
  return '/usr/sbin/nginx';
}

function serverBlock(front: TlsFront): string {
  const common = `        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto https;`;
  const headers = front.kind === 'suite'
    ? `        proxy_set_header Host $host:${front.listenPort};
${common}
        proxy_set_header X-Forwarded-Host $host;
        proxy_set_header X-Forwarded-Port ${front.listenPort};
        proxy_set_header X-Ssl-Cipher $ssl_cipher;
        proxy_set_header X-Ssl-Protocol $ssl_protocol;`
    : `        proxy_set_header Host $host:${front.listenPort};
${common}
        proxy_set_header X-Forwarded-Host $host:${front.listenPort};
        proxy_http_version 1.1;
        proxy_set_header Connection "";`;
  return `  server {
    listen 127.0.0.1:${front.listenPort} ssl;
    server_name localhost;
    client_header_buffer_size 32k;
    large_client_header_buffers 4 32k;
    client_max_body_size ${front.kind === 'suite' ? '50m' : '1m'};
    location / {
        proxy_pass http://127.0.0.1:${front.backendPort};
${headers}
    }
  }`;
}

/** nginx in the foreground with a configuration of the run: TLS in front of the suite and of our server. */
export function startNginx(binary: string, directory: string, certificates: Certificates, fronts: TlsFront[], processes: Processes) {
  for (const sub of ['logs', 'tmp']) mkdirSync(join(directory, sub), { recursive: true });
  const configuration = `worker_processes 1;
daemon off;
pid ${join(directory, 'nginx.pid')};
error_log ${join(directory, 'logs', 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log ${join(directory, 'logs', 'access.log')};
  client_body_temp_path ${join(directory, 'tmp', 'body')};
  proxy_temp_path ${join(directory, 'tmp', 'proxy')};
  fastcgi_temp_path ${join(directory, 'tmp', 'fastcgi')};
  uwsgi_temp_path ${join(directory, 'tmp', 'uwsgi')};
  scgi_temp_path ${join(directory, 'tmp', 'scgi')};
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_certificate ${certificates.chainFile};
  ssl_certificate_key ${certificates.keyFile};
  # the suite's requests that wait for a browser callback last up to a minute
  proxy_read_timeout 120s;
  proxy_send_timeout 120s;
${fronts.map(serverBlock).join('\n')}
}
`;
  const file = join(directory, 'nginx.conf');
  writeFileSync(file, configuration);
  return processes.start('nginx', binary, ['-p', directory, '-c', file]);
}
