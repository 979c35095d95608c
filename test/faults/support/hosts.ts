// Separate hosts for the fault harness: one network namespace per node, each
// joined to this (the test's) namespace by a veth pair and to nothing else.
// IP forwarding stays off here, so a node can reach the addresses of the
// test process but no other node: every link between two nodes runs through
// a LinkProxy of the test, which is what lets the harness cut, delay, stall
// and heal links (tc netem is not available in this kernel). Everything is
// made by create() and removed by destroy(), with `ip` (iproute2, as root).
import { execFileSync } from 'node:child_process';

/**
 * Two test runs at once (two checkouts) must not meet: names carry the run's
 * pid and the subnets' second octet is 100 + pid mod 100.
 */
const RUN = process.pid % 10_000;
const NET = `10.${100 + (process.pid % 100)}`;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export class Hosts {
  private readonly made: string[] = [];
  private readonly links: string[] = [];

  /**
   * `count` hosts; host i (0-based) is subnet 10.(100 + pid mod 100).(base + i).0/24: the node
   * at .2, the test's side at .1, the proxies' source addresses at .10 + j
   * and their listening addresses at .100 + j.
   */
  private constructor(
    readonly tag: string,
    readonly count: number,
    private readonly base: number,
  ) {}

  static create(tag: string, count: number, base: number): Hosts {
    const hosts = new Hosts(tag, count, base);
    try {
      for (let i = 0; i < count; i++) hosts.add(i);
    } catch (err) {
      hosts.destroy();
      throw err;
    }
    return hosts;
  }

  /** The namespace of host i, for `ip netns exec`. */
  netns(i: number): string {
    return `tn14-${RUN}${this.tag}${i}`;
  }

  /** Where the node of host i listens. */
  nodeIp(i: number): string {
    return `${NET}.${this.base + i}.2`;
  }

  /** The test's side of host i's link: its default route. */
  gatewayIp(i: number): string {
    return `${NET}.${this.base + i}.1`;
  }

  /**
   * Where the proxy of the link from node `from` to node `to` listens, on
   * the test's side of host `from`: one address per link, since a node keeps
   * one connection per peer IP (§2) and would not dial two ports of one IP.
   */
  proxyIp(from: number, to: number): string {
    return `${NET}.${this.base + from}.${100 + to}`;
  }

  /** The address a proxy connects to node `to` from on behalf of node `from`: node `to` tells its peers apart by it. */
  sourceIp(to: number, from: number): string {
    return `${NET}.${this.base + to}.${10 + from}`;
  }

  destroy(): void {
    for (const link of this.links.splice(0)) {
      try {
        ip('link', 'del', link);
      } catch {
        // Gone with its namespace already.
      }
    }
    for (const ns of this.made.splice(0)) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // Already removed.
      }
    }
  }

  private add(i: number): void {
    const ns = this.netns(i);
    const outside = `t${RUN}${this.tag}${i}h`;
    const inside = `t${RUN}${this.tag}${i}n`;
    // A namespace left by a killed earlier run of this file: start clean.
    try {
      ip('netns', 'del', ns);
    } catch {
      // none
    }
    try {
      ip('link', 'del', outside);
    } catch {
      // none
    }
    ip('netns', 'add', ns);
    this.made.push(ns);
    ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
    this.links.push(outside);
    ip('link', 'set', inside, 'netns', ns);
    ip('addr', 'add', `${this.gatewayIp(i)}/24`, 'dev', outside);
    for (let j = 0; j < this.count; j++) {
      if (j === i) continue;
      ip('addr', 'add', `${this.sourceIp(i, j)}/32`, 'dev', outside);
      ip('addr', 'add', `${this.proxyIp(i, j)}/32`, 'dev', outside);
    }
    ip('link', 'set', outside, 'up');
    ip('-n', ns, 'addr', 'add', `${this.nodeIp(i)}/24`, 'dev', inside);
    ip('-n', ns, 'link', 'set', inside, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'route', 'add', 'default', 'via', this.gatewayIp(i));
  }
}
