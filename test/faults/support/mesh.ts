// A network of real node processes for the fault harness: node i runs
// `bin/timenode start --profile devnet` in host i (hosts.ts), and every pair
// i < j is linked by one LinkProxy that node i dials (`--peer`). So each
// link of the full mesh can be cut, healed, slowed or stalled on its own.
import { join } from 'node:path';
import { validateBlock, type ParentRef } from '../../../src/chain/block-rules';
import type { Genesis } from '../../../src/chain/genesis';
import type { Block } from '../../../src/chain/types';
import { generateKeyPair, type KeyPair } from '../../../src/crypto';
import type { NodeStatus } from '../../../src/node/status';
import { type NodeGroup, type NodeProcess, readBlocks, writeGenesis, writeKeyFile } from '../../support/processes';
import { Hosts } from './hosts';
import { LinkProxy } from './link-proxy';

export const NODE_PORT = 24100;
const PROXY_PORT = 25000;

export interface MeshOptions {
  /** Names this file's namespaces (a letter or two) and picks its subnets, so fault files can run side by side. */
  tag: string;
  subnetBase: number;
  count: number;
  interval: number;
  /** Masternode keys: all nodes by default; pass a list of outsiders' keys to run relays only. */
  masternodes?: KeyPair[];
  /** Filled before the nodes start (a pre-made chain per node). */
  prepare?: (dataDir: string, i: number, genesis: Genesis) => void;
  genesisTime?: number;
  /** Islands cut apart before any node starts (see partition()). */
  islands?: number[][];
}

export class Mesh {
  readonly nodes: NodeProcess[] = [];
  private readonly proxies = new Map<string, LinkProxy>();

  private constructor(
    readonly hosts: Hosts,
    readonly dir: string,
    readonly genesis: Genesis,
    readonly genesisFile: string,
    readonly keys: KeyPair[],
    private readonly group: NodeGroup,
  ) {}

  static async start(group: NodeGroup, dir: string, o: MeshOptions): Promise<Mesh> {
    const hosts = Hosts.create(o.tag, o.count, o.subnetBase);
    try {
      const keys = Array.from({ length: o.count }, () => generateKeyPair());
      keys.forEach((k, i) => writeKeyFile(join(dir, `node${i + 1}`), k));
      const { file, genesis } = writeGenesis(dir, o.masternodes ?? keys, { interval: o.interval, time: o.genesisTime ?? Date.now() + 1000, network: 'faults' });
      const mesh = new Mesh(hosts, dir, genesis, file, keys, group);
      for (let i = 0; i < o.count; i++) {
        for (let j = i + 1; j < o.count; j++) {
          const proxy = await LinkProxy.start({
            listenIp: hosts.proxyIp(i, j),
            listenPort: PROXY_PORT,
            targetIp: hosts.nodeIp(j),
            targetPort: NODE_PORT,
            sourceIp: hosts.sourceIp(j, i),
          });
          mesh.proxies.set(`${i}-${j}`, proxy);
        }
      }
      for (let i = 0; i < o.count; i++) o.prepare?.(mesh.dataDir(i), i, genesis);
      if (o.islands) mesh.partition(o.islands);
      for (let i = 0; i < o.count; i++) mesh.spawn(i);
      return mesh;
    } catch (err) {
      hosts.destroy();
      throw err;
    }
  }

  dataDir(i: number): string {
    return join(this.dir, `node${i + 1}`);
  }

  /** (Re)starts node i; its earlier process, if any, must have exited. */
  spawn(i: number): NodeProcess {
    const peers: string[] = [];
    for (let j = i + 1; j < this.hosts.count; j++) peers.push(`${this.hosts.proxyIp(i, j)}:${PROXY_PORT}`);
    const node = this.group.spawn({
      name: `node${i + 1}`,
      ip: this.hosts.nodeIp(i),
      port: NODE_PORT,
      dataDir: this.dataDir(i),
      genesisFile: this.genesisFile,
      peers,
      profile: 'devnet',
      logLevel: 'debug',
      netns: this.hosts.netns(i),
    });
    this.nodes[i] = node;
    return node;
  }

  /** The link between nodes i and j (either order). */
  link(i: number, j: number): LinkProxy {
    const proxy = this.proxies.get(i < j ? `${i}-${j}` : `${j}-${i}`);
    if (!proxy) throw new Error(`no link between node${i + 1} and node${j + 1}`);
    return proxy;
  }

  get links(): LinkProxy[] {
    return [...this.proxies.values()];
  }

  /** Cuts every link between two different islands. */
  partition(islands: number[][]): void {
    const island = new Map<number, number>();
    islands.forEach((members, k) => members.forEach((i) => island.set(i, k)));
    for (const [key, proxy] of this.proxies) {
      const [i, j] = key.split('-').map(Number) as [number, number];
      proxy.setMode(island.get(i) === island.get(j) ? 'pass' : 'cut');
    }
  }

  heal(): void {
    for (const proxy of this.proxies.values()) proxy.setMode('pass');
  }

  async statuses(): Promise<NodeStatus[]> {
    return Promise.all(this.nodes.map((n) => n.status()));
  }

  async close(): Promise<void> {
    await this.group.close();
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
    this.hosts.destroy();
  }
}

/** One line per node: height, tip, peers. */
export function brief(all: (NodeStatus | undefined)[]): string {
  return all
    .map((s, i) => (s === undefined ? `node${i + 1}: -` : `node${i + 1}: h ${s.height} ${s.tip.slice(0, 10)} peers ${s.peers.filter((p) => p.state === 'established').length} fin ${s.finalized}`))
    .join(' | ');
}

/**
 * Checks DATA/blocks.dat block by block against the rules of §5 from the
 * genesis: consecutive, linked, in their slots, signed. Returns the blocks,
 * or throws naming the first that is not.
 */
export function validChain(dataDir: string, genesis: Genesis): Block[] {
  const blocks = readBlocks(dataDir);
  let parent: ParentRef = { height: 0, hash: genesis.hash, time: genesis.time };
  for (const block of blocks) {
    const verdict = validateBlock(block, parent, genesis, Date.now());
    if (!verdict.ok) throw new Error(`${dataDir}: block ${block.height} is not valid: ${verdict.reason}`);
    parent = { height: block.height, hash: verdict.hash, time: block.time };
  }
  return blocks;
}
