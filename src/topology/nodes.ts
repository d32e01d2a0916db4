// Reads the `nodes` section (name -> {address?, vrr?}) and resolves node names used elsewhere in the file.

import { formatAddress, isNodeAddress, parseAddress } from '../vrr/address.ts';
import type { Address } from '../vrr/address.ts';
import type { Generated } from './generate.ts';
import { NODE_NAME_RULE, isValidNodeName } from './names.ts';
import { NODE_PROTOCOLS, type NodeProtocol, type TopologyNode, type VrrParams } from './types.ts';
import { readVrrParams } from './vrr-params.ts';
import type { Value } from './yaml-reader.ts';

/** Keys a node's map may hold. */
export const NODE_KEYS = ['address', 'vrr', 'keyed', 'protocol'] as const;

/**
 * Reads `nodes`. Without a generator it lists the nodes; with one it may only refine generated nodes
 * (pin an address, change vrr), so a misspelt name is an error rather than a new, unlinked node.
 */
export function readNodes(
  value: Value | undefined,
  generated: Generated | null,
  defaultVrr: VrrParams,
  defaultProtocol: NodeProtocol = 'vrrd',
): TopologyNode[] {
  const fresh = (name: string): TopologyNode => ({
    name,
    address: null,
    vrr: { ...defaultVrr },
    ...(defaultProtocol !== 'vrrd' ? { protocol: defaultProtocol } : {}),
  });
  const nodes: TopologyNode[] = (generated?.graph.nodes ?? []).map(fresh);
  const byName = new Map(nodes.map((node) => [node.name, node]));
  if (!value) return nodes;

  const map = value.map('a map of node names to { address, vrr } (or to nothing)');
  if (!generated && map.entries.length === 0) value.fail('at least one node');
  const pinnedBy = new Map<Address, string>();
  for (const { key: name, keyValue, value: nodeValue } of map.entries) {
    if (!isValidNodeName(name)) keyValue.fail(NODE_NAME_RULE, JSON.stringify(name));
    let node = byName.get(name);
    if (generated && !node) {
      const sample = generated.graph.nodes.slice(0, 3).join(', ');
      keyValue.fail(
        `a node made by the ${generated.kind} generator (${sample}, ...)`,
        `${JSON.stringify(name)} (no such node)`,
      );
    }
    if (!node) {
      node = fresh(name);
      nodes.push(node);
      byName.set(name, node);
    }
    if (nodeValue.isNull()) continue;
    const fields = nodeValue.map('a map with address, vrr, keyed and/or protocol, or nothing');
    fields.allowOnly(NODE_KEYS);
    const addressValue = fields.get('address');
    if (addressValue) {
      const address = readNodeAddress(addressValue);
      const other = pinnedBy.get(address);
      if (other !== undefined) {
        addressValue.fail(
          'an address no other node has',
          `${formatAddress(address)}, already pinned by ${other}`,
        );
      }
      pinnedBy.set(address, name);
      node.address = address;
    }
    const vrrValue = fields.get('vrr');
    if (vrrValue) node.vrr = { ...node.vrr, ...readVrrParams(vrrValue) };
    const keyedValue = fields.get('keyed');
    if (keyedValue) node.keyed = keyedValue.boolean('true or false: whether the node holds the network key');
    const protocolValue = fields.get('protocol');
    if (protocolValue) {
      const protocol = readProtocol(protocolValue);
      if (protocol === 'vrrd') delete node.protocol;
      else node.protocol = protocol;
    }
  }
  return nodes;
}

const PROTOCOL_RULE = `the routing daemon the node runs: ${NODE_PROTOCOLS.join(' or ')}`;

/** Reads `protocol` (defaults or a node). */
export function readProtocol(value: Value): NodeProtocol {
  const text = value.text(PROTOCOL_RULE);
  const protocol = NODE_PROTOCOLS.find((p) => p === text);
  if (protocol === undefined) value.fail(PROTOCOL_RULE, JSON.stringify(text));
  return protocol;
}

const NODE_ADDRESS_RULE =
  'a locally administered unicast address like 02:00:00:00:00:0b (first octet: bit 0x02 set, bit 0x01 clear)';

function readNodeAddress(value: Value): Address {
  const text = value.string(NODE_ADDRESS_RULE);
  let address: Address;
  try {
    address = parseAddress(text);
  } catch {
    return value.fail(NODE_ADDRESS_RULE);
  }
  if (!isNodeAddress(address)) value.fail(NODE_ADDRESS_RULE);
  return address;
}

/** Reads a reference to a node (in links, scenario and checks): the name must be a node of this topology. */
export function readNodeRef(value: Value, names: ReadonlySet<string>): string {
  const name = value.text('a node name');
  if (!names.has(name))
    value.fail('the name of a node in this topology', `${JSON.stringify(name)} (no such node)`);
  return name;
}
