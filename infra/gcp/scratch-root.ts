import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A stand-in for a fresh GCE instance, to run infra/gcp/startup.sh on this machine: a scratch root
 * (the /usr of a minimal Debian 13 root, read-only, and an empty /etc, /opt and /run) entered with chroot inside a
 * private mount namespace, a fake metadata server, and three stub commands, gcloud, systemctl and
 * useradd. Everything else the script runs is real: curl, tar, the release's own Node, the service.
 * The root has no DNS, like an instance without external access: only the metadata server answers.
 */

/** The GCE metadata server, for any number of instances: /<instance>/computeMetadata/v1/... */
export class FakeMetadataServer {
  private readonly instances = new Map<string, Record<string, string>>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<FakeMetadataServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const metadata = new FakeMetadataServer(server, typeof address === 'object' && address ? address.port : 0);
    server.on('request', (req, res) => {
      const [, instance, ...rest] = (req.url ?? '').split('/');
      const path = rest.join('/').replace(/^computeMetadata\/v1\//, '');
      const value = req.headers['metadata-flavor'] === 'Google' ? metadata.instances.get(instance ?? '')?.[path] : undefined;
      res.writeHead(value === undefined ? 404 : 200, { 'content-type': 'text/plain' }).end(value ?? 'not found');
    });
    return metadata;
  }

  /** Serves `values` (paths such as instance/name, instance/attributes/odin-tier) for one instance. */
  add(instance: string, values: Record<string, string>): string {
    this.instances.set(instance, values);
    return `http://127.0.0.1:${this.port}/${instance}/computeMetadata/v1`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const STUB_GCLOUD = `#!/bin/bash
# gcloud, as far as startup.sh and discover-shards.sh use it: files from /stubs instead of Google APIs.
case "$1 $2" in
  "storage cp") case "$3" in *.sig) cp /stubs/release.tgz.sig "$4" ;; *) cp /stubs/release.tgz "$4" ;; esac ;;
  "secrets versions")
    for arg; do case $arg in --secret=*) secret=\${arg#--secret=} ;; --out-file=*) out=\${arg#--out-file=} ;; esac; done
    cat "/stubs/secret-$secret" > "$out" ;;
  "compute instance-groups") for ip in $(cat /stubs/shard-ips); do echo "https://compute/zones/z/instances/shard-$ip"; done ;;
  "compute instances") url=$4; echo "\${url##*/shard-}" ;;
  *) echo "gcloud stub: $*" >&2; exit 1 ;;
esac
`;

const STUB_SYSTEMCTL = `#!/bin/bash
# systemd, as far as startup.sh uses it: runs a unit's ExecStart with its EnvironmentFile. A service
# is started in the background (its pid in /run/<unit>.pid); a timer runs its service once.
echo "systemctl $*" >> /run/systemctl.log
setting() { sed -n "s/^$2=//p" "/etc/systemd/system/$1" | head -1; }
run() {
  local unit=$1 env_file command
  env_file=$(setting "$unit" EnvironmentFile)
  command=$(setting "$unit" ExecStart)
  (
    if [ -n "$env_file" ]; then while IFS='=' read -r key value || [ -n "$key" ]; do [ -n "$key" ] && export "$key=$value"; done < "$env_file"; fi
    if [ "$2" = background ]; then
      setsid $command >> "/run/$unit.log" 2>&1 < /dev/null &
      echo $! > "/run/$unit.pid"
    else
      $command >> "/run/$unit.log" 2>&1
    fi
  )
}
case "$1" in
  daemon-reload) ;;
  start) run "$2" foreground ;;
  enable)
    shift; [ "$1" = --now ] && shift
    for unit; do case $unit in *.timer) run "\${unit%.timer}.service" foreground || true ;; *) run "$unit" background ;; esac; done ;;
  *) exit 1 ;;
esac
`;

const STUB_USERADD = `#!/bin/bash
# useradd --system ... NAME: a system user and its group.
name="\${*: -1}"
echo "$name:x:990:990::/opt/odin-ws:/usr/sbin/nologin" >> /etc/passwd
echo "$name:x:990:" >> /etc/group
`;

export interface ScratchRoot {
  root: string;
  /** Runs startup.sh in the root; resolves with its exit status and output. */
  boot(metadataUrl: string): Promise<{ status: number | null; output: string }>;
  /** Host pids of the services the stub systemctl started. */
  servicePids(): number[];
}

/**
 * A scratch root on the operating system `os` (a root directory such as scripts/debian13-root.sh
 * makes: its /usr and loader cache are used), holding `release` (the tarball), its `signature`
 * (`<release>.sig` by default) and `secrets` (Secret Manager, by id) for the gcloud stub, and
 * `shardIps` for shard discovery.
 */
export function scratchRoot(options: { os: string; release: string; signature?: string; secrets?: Record<string, string>; shardIps?: string[] }): ScratchRoot {
  const root = mkdtempSync(join(tmpdir(), 'odin-instance-'));
  for (const dir of ['usr', 'etc/systemd/system', 'opt', 'run', 'tmp', 'proc', 'dev', 'stubs', 'var/tmp']) mkdirSync(join(root, dir), { recursive: true });
  for (const dir of ['bin', 'lib', 'lib64', 'sbin']) symlinkSync(`usr/${dir}`, join(root, dir));
  for (const file of ['nsswitch.conf', 'ld.so.cache', 'ld.so.conf']) copyFileSync(join(options.os, 'etc', file), join(root, 'etc', file));
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
  writeFileSync(join(root, 'etc/resolv.conf'), ''); // no DNS: nothing outside the metadata server answers
  const stubs = join(root, 'stubs');
  copyFileSync(options.release, join(stubs, 'release.tgz'));
  copyFileSync(options.signature ?? `${options.release}.sig`, join(stubs, 'release.tgz.sig'));
  for (const [id, value] of Object.entries(options.secrets ?? {})) writeFileSync(join(stubs, `secret-${id}`), value);
  writeFileSync(join(stubs, 'shard-ips'), (options.shardIps ?? []).join('\n'));
  for (const [name, text] of Object.entries({ gcloud: STUB_GCLOUD, systemctl: STUB_SYSTEMCTL, useradd: STUB_USERADD })) {
    writeFileSync(join(stubs, name), text);
    chmodSync(join(stubs, name), 0o755);
  }
  copyFileSync(new URL('./startup.sh', import.meta.url).pathname, join(root, 'startup.sh'));

  return {
    root,
    boot(metadataUrl) {
      const enter = [
        'set -e',
        `mount --rbind ${options.os}/usr ${root}/usr`,
        `mount -o remount,bind,ro ${root}/usr`,
        `mount --rbind /dev ${root}/dev`,
        `mount -t proc proc ${root}/proc`,
        `exec chroot ${root} /usr/bin/env -i PATH=/stubs:/usr/sbin:/usr/bin HOME=/root GCE_METADATA_URL=${metadataUrl} /bin/bash /startup.sh`,
      ].join('\n');
      // Asynchronous: the metadata server the script asks runs in this same process.
      const child = spawn('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', enter], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      return new Promise((resolve) => {
        child.on('error', (error) => resolve({ status: null, output: `${output}${String(error)}` }));
        // 'exit', not 'close': the services it started keep inherited pipes open.
        child.on('exit', (status) => resolve({ status, output }));
      });
    },
    servicePids() {
      const pids: number[] = [];
      for (const unit of ['odin-ws-shard.service', 'odin-ws-loadbalancer.service']) {
        try {
          pids.push(Number(readFileSync(join(root, 'run', `${unit}.pid`), 'utf8')));
        } catch {
          // that tier's service was not started here
        }
      }
      return pids;
    },
  };
}
