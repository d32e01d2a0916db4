import assert from 'node:assert/strict';
import {
  checkRingConsistency,
  expectedVset,
  vsetHealth,
  type NodeSnapshot,
  type UpLink,
} from '../../../../src/checks/ring-consistent/verdict.ts';
import { LOCAL_BIT, RING_SIZE, formatAddress, type Address } from '../../../../src/vrr/address.ts';
import { componentIndex } from '../../../../src/topology/graph.ts';

const addr = (k: number): Address => LOCAL_BIT + k;

interface Spec {
  name: string;
  address: Address;
}

// Builds the snapshots of a consistent ring over the given physical links: per partition, every node
// gets its expected vset, and each (node, member) pair one vset-path along a shortest physical path.
function consistent(nodes: Spec[], links: UpLink[], r = 4): NodeSnapshot[] {
  const snaps = new Map<string, NodeSnapshot>(
    nodes.map((n) => [
      n.name,
      {
        name: n.name,
        address: n.address,
        alive: true,
        active: true,
        vsetSize: r,
        vset: [],
        routes: [],
        linkedNeighbors: [],
      },
    ]),
  );
  const byAddress = new Map(nodes.map((n) => [n.address, n.name]));
  const adj = new Map<string, string[]>(nodes.map((n) => [n.name, []]));
  for (const [a, b] of links) {
    adj.get(a)!.push(b);
    adj.get(b)!.push(a);
    snaps.get(a)!.linkedNeighbors.push(snaps.get(b)!.address);
    snaps.get(b)!.linkedNeighbors.push(snaps.get(a)!.address);
  }
  const bfsPath = (from: string, to: string): string[] => {
    const prev = new Map<string, string | null>([[from, null]]);
    const queue = [from];
    for (let i = 0; i < queue.length; i++) {
      for (const p of adj.get(queue[i])!) {
        if (!prev.has(p)) {
          prev.set(p, queue[i]);
          queue.push(p);
        }
      }
    }
    const path: string[] = [];
    for (let at: string | null = to; at !== null; at = prev.get(at)!) path.unshift(at);
    return path;
  };
  const component = componentIndex(
    nodes.map((n) => n.name),
    links,
  );
  const reachable = (name: string): string[] =>
    nodes.map((n) => n.name).filter((x) => component.get(x) === component.get(name));
  let pathId = 100;
  for (const n of nodes) {
    const ring = reachable(n.name)
      .map((x) => snaps.get(x)!.address)
      .sort((a, b) => a - b);
    const snap = snaps.get(n.name)!;
    snap.vset = expectedVset(ring, n.address, r).map((e) => e.address);
    for (const member of snap.vset) {
      if (member < n.address) continue; // one path per pair, set up from the smaller address
      const hops = bfsPath(n.name, byAddress.get(member)!);
      const id = pathId++;
      hops.forEach((h, i) => {
        snaps.get(h)!.routes.push({
          ea: n.address,
          eb: member,
          pathId: id,
          na: i === 0 ? null : snaps.get(hops[i - 1])!.address,
          nb: i === hops.length - 1 ? null : snaps.get(hops[i + 1])!.address,
        });
      });
    }
  }
  return [...snaps.values()];
}

const line = (names: string[]): UpLink[] => names.slice(1).map((b, i) => [names[i], b] as const);
const find = (snaps: NodeSnapshot[], name: string): NodeSnapshot => snaps.find((s) => s.name === name)!;

// Eight nodes on a physical line, addresses out of physical order.
const EIGHT: Spec[] = [5, 80, 17, 60, 33, 2, 71, 44].map((k, i) => ({ name: `n${i + 1}`, address: addr(k) }));
const EIGHT_LINKS = line(EIGHT.map((n) => n.name));

describe('checkRingConsistency', () => {
  it('passes a consistent ring and counts what it checked', () => {
    const result = checkRingConsistency(consistent(EIGHT, EIGHT_LINKS), EIGHT_LINKS);
    assert.deepEqual(result.problems, []);
    assert.equal(result.passed, true);
    assert.equal(result.partitions, 1);
    assert.equal(result.figures.nodes, 8);
    assert.equal(result.figures.wrongVsets, 0);
    assert.ok(result.figures.routes > 16);
  });

  it('wraps around the ring: the smallest address neighbours the largest', () => {
    const snaps = consistent(EIGHT, EIGHT_LINKS);
    const smallest = find(snaps, 'n6'); // address 2
    assert.deepEqual(
      [...smallest.vset].sort((a, b) => a - b),
      [addr(5), addr(17), addr(71), addr(80)],
    );
    smallest.vset = smallest.vset.filter((a) => a !== addr(80));
    const result = checkRingConsistency(snaps, EIGHT_LINKS);
    assert.equal(result.passed, false);
    assert.ok(
      result.problems.includes(
        `n6 (${formatAddress(addr(2))}): vset lacks n2 (${formatAddress(addr(80))}), its 1st counter-clockwise neighbour`,
      ),
      result.problems.join('\n'),
    );
  });

  it('wraps around address 0 itself', () => {
    const specs: Spec[] = [RING_SIZE - 1 - LOCAL_BIT, 3, 10, RING_SIZE - 20 - LOCAL_BIT, 50, 7].map(
      (k, i) => ({
        name: `w${i}`,
        address: (LOCAL_BIT + k) % RING_SIZE,
      }),
    );
    const links = line(specs.map((s) => s.name));
    assert.equal(checkRingConsistency(consistent(specs, links), links).passed, true);
  });

  it('names an extra member that is not among the r closest', () => {
    const snaps = consistent(EIGHT, EIGHT_LINKS);
    const n1 = find(snaps, 'n1'); // address 5: expects 17, 33 (cw) and 2, 80 (ccw)
    n1.vset = n1.vset.map((a) => (a === addr(33) ? addr(44) : a));
    const { problems } = checkRingConsistency(snaps, EIGHT_LINKS);
    const n1Label = `n1 (${formatAddress(addr(5))})`;
    assert.ok(
      problems.includes(
        `${n1Label}: vset lacks n5 (${formatAddress(addr(33))}), its 2nd clockwise neighbour`,
      ),
    );
    assert.ok(
      problems.includes(
        `${n1Label}: vset holds n8 (${formatAddress(addr(44))}), which is not among its 4 closest`,
      ),
    );
    assert.ok(
      problems.some((p) => p.startsWith(`${n1Label}: no vset-path to member n8`)),
      problems.join('\n'),
    );
  });

  it('expects everyone when a partition has no more than r other nodes', () => {
    const three = EIGHT.slice(0, 3);
    const links = line(three.map((n) => n.name));
    const snaps = consistent(three, links);
    for (const s of snaps) assert.equal(s.vset.length, 2);
    assert.equal(checkRingConsistency(snaps, links).passed, true);
    find(snaps, 'n1').vset.pop();
    const result = checkRingConsistency(snaps, links);
    assert.equal(result.passed, false);
    assert.match(
      result.problems[0],
      /vset lacks n\d .*, a member of its partition \(it has no more than r others\)/,
    );
  });

  it('checks each partition on its own', () => {
    const left = EIGHT.slice(0, 4);
    const right = EIGHT.slice(4);
    const links = [...line(left.map((n) => n.name)), ...line(right.map((n) => n.name))];
    const snaps = consistent(EIGHT, links);
    const result = checkRingConsistency(snaps, links);
    assert.deepEqual(result.problems, []);
    assert.equal(result.partitions, 2);

    // The one-ring answer is wrong in a partitioned network.
    const whole = consistent(EIGHT, EIGHT_LINKS);
    const split = checkRingConsistency(whole, links);
    assert.equal(split.passed, false);
    assert.ok(
      split.problems.some((p) => p.includes('which is in another partition')),
      split.problems.join('\n'),
    );
    assert.ok(
      split.problems.some((p) => p.includes('over a link that is not up')),
      split.problems.join('\n'),
    );
  });

  it('reports a broken hop and the vset-path it breaks', () => {
    const snaps = consistent(EIGHT, EIGHT_LINKS);
    // The path between n1 (5) and n5 (33) runs n1 n2 n3 n4 n5: remove its entry at n3.
    const n3 = find(snaps, 'n3');
    const victim = n3.routes.find((r) => r.ea === addr(5) && r.eb === addr(33))!;
    n3.routes = n3.routes.filter((r) => r !== victim);
    const result = checkRingConsistency(snaps, EIGHT_LINKS);
    assert.equal(result.passed, false);
    assert.equal(result.figures.brokenHops, 2);
    assert.equal(result.figures.missingPaths, 2);
    const route = `route n1 (${formatAddress(addr(5))}) -> n5 (${formatAddress(addr(33))}) #${victim.pathId}`;
    assert.ok(
      result.problems.includes(
        `n2: ${route}: hop toward n5 (${formatAddress(addr(33))}) via n3 (${formatAddress(addr(17))}) which holds no entry for this path`,
      ),
      result.problems.join('\n'),
    );
    assert.ok(
      result.problems.some(
        (p) => p.includes(`vset-path #${victim.pathId} to member n5`) && p.includes('breaks after n2'),
      ),
    );
  });

  it('vsetsOnly judges activity and vsets without routes: routes left out pass, a wrong vset does not', () => {
    const snaps = consistent(EIGHT, EIGHT_LINKS);
    for (const s of snaps) s.routes = [];
    assert.equal(checkRingConsistency(snaps, EIGHT_LINKS).passed, false, 'the full check needs the paths');
    const cheap = checkRingConsistency(snaps, EIGHT_LINKS, { vsetsOnly: true });
    assert.deepEqual(cheap.problems, []);
    assert.equal(cheap.passed, true);
    find(snaps, 'n3').vset.pop();
    const wrong = checkRingConsistency(snaps, EIGHT_LINKS, { vsetsOnly: true });
    assert.equal(wrong.passed, false);
    assert.equal(wrong.figures.wrongVsets, 1);
    assert.equal(wrong.figures.missingPaths, 0, 'paths are not looked at');
  });

  it('reports a hop that does not point back', () => {
    const snaps = consistent(EIGHT, EIGHT_LINKS);
    const n3 = find(snaps, 'n3');
    const entry = n3.routes.find((r) => r.ea === addr(5) && r.eb === addr(33))!;
    entry.na = addr(60); // n4, which is a linked neighbour of n3 but not the previous hop
    const { problems } = checkRingConsistency(snaps, EIGHT_LINKS);
    assert.ok(
      problems.some(
        (p) => p.startsWith('n3: route') && p.includes('whose entry points toward endpoint B at n5'),
      ),
      problems.join('\n'),
    );
  });

  it('reports a hop through a neighbour the node does not consider linked', () => {
    const snaps = consistent(EIGHT, EIGHT_LINKS);
    const n3 = find(snaps, 'n3');
    n3.linkedNeighbors = n3.linkedNeighbors.filter((a) => a !== addr(60));
    const { problems } = checkRingConsistency(snaps, EIGHT_LINKS);
    assert.ok(
      problems.some(
        (p) => p.startsWith('n3: route') && p.includes('which this node does not list as a linked neighbour'),
      ),
    );
  });

  it('reports inactive nodes and ignores dead ones', () => {
    const seven = EIGHT.filter((n) => n.name !== 'n8');
    const links = line(seven.map((n) => n.name));
    const snaps = consistent(seven, links);
    snaps.push({
      name: 'n8',
      address: addr(44),
      alive: false,
      active: false,
      vsetSize: 4,
      vset: [],
      routes: [],
      linkedNeighbors: [],
    });
    const withDead = checkRingConsistency(snaps, [...links, ['n7', 'n8']]);
    assert.deepEqual(withDead.problems, []);
    assert.equal(withDead.figures.nodes, 7);

    find(snaps, 'n2').active = false;
    const result = checkRingConsistency(snaps, links);
    assert.ok(result.problems.includes(`n2 (${formatAddress(addr(80))}) is not active`));
    assert.equal(result.figures.inactiveNodes, 1);
  });

  it('reports an endpoint mismatch: no next hop at a node that is not the endpoint', () => {
    const snaps = consistent(EIGHT, EIGHT_LINKS);
    const n3 = find(snaps, 'n3');
    const entry = n3.routes.find((r) => r.na !== null && r.nb !== null)!;
    entry.nb = null;
    const { problems } = checkRingConsistency(snaps, EIGHT_LINKS);
    assert.ok(
      problems.some((p) => p.startsWith('n3: route') && p.includes('yet this node is not that endpoint')),
    );
  });

  it('caps the problem list and says how many more there were', () => {
    const snaps = consistent(EIGHT, EIGHT_LINKS);
    for (const s of snaps) s.active = false;
    const result = checkRingConsistency(snaps, EIGHT_LINKS, { maxProblems: 3 });
    assert.equal(result.problems.length, 4);
    assert.equal(result.problems[3], '... and 5 more problems');
  });

  it('flags two nodes sharing an address', () => {
    const snaps = consistent(EIGHT.slice(0, 2), line(['n1', 'n2']));
    snaps[1].address = snaps[0].address;
    const { problems } = checkRingConsistency(snaps, line(['n1', 'n2']));
    assert.ok(problems[0].startsWith('n2 and n1 share the address'));
  });
});

describe('expectedVset', () => {
  const ring = [10, 20, 30, 40, 50, 60].map(addr);

  it('takes r/2 on each side, wrapping around', () => {
    assert.deepEqual(
      expectedVset(ring, addr(10), 4).map((e) => [e.address - LOCAL_BIT, e.side, e.rank]),
      [
        [20, 'clockwise', 1],
        [30, 'clockwise', 2],
        [60, 'counter-clockwise', 1],
        [50, 'counter-clockwise', 2],
      ],
    );
  });

  it('takes everyone when there are no more than r others', () => {
    assert.equal(expectedVset(ring.slice(0, 5), addr(30), 4).length, 4);
    assert.equal(expectedVset([addr(1)], addr(1), 4).length, 0);
  });
});

describe('vsetHealth', () => {
  it('counts every node of a consistent ring as right', () => {
    assert.deepEqual(vsetHealth(consistent(EIGHT, EIGHT_LINKS), EIGHT_LINKS), {
      nodes: 8,
      right: 8,
      wrongVset: 0,
      inactive: 0,
      partitions: 1,
    });
  });

  it('tells wrong vsets, inactive and dead nodes apart, and judges each partition on its own', () => {
    const snaps = consistent(EIGHT, EIGHT_LINKS);
    find(snaps, 'n2').vset = find(snaps, 'n2').vset.slice(1); // one member short
    find(snaps, 'n3').active = false; // inactive, whatever its vset
    find(snaps, 'n8').alive = false; // crashed: not counted at all
    const health = vsetHealth(snaps, EIGHT_LINKS);
    // n8 (address 44) was in the vsets of n3, n5, n4 and n7 (17, 33 before it; 60, 71 after): without it
    // those are wrong, with n2's; n3 counts as inactive; n1 and n6 keep the right vset.
    assert.deepEqual(health, { nodes: 7, right: 2, wrongVset: 4, inactive: 1, partitions: 1 });
    const cut = EIGHT_LINKS.filter(([a, b]) => !(a === 'n4' && b === 'n5'));
    const halves = consistent(EIGHT, cut);
    assert.deepEqual(vsetHealth(halves, cut), {
      nodes: 8,
      right: 8,
      wrongVset: 0,
      inactive: 0,
      partitions: 2,
    });
    assert.equal(vsetHealth(halves, EIGHT_LINKS).right < 8, true, 'the halves’ vsets are wrong for one ring');
  });
});
