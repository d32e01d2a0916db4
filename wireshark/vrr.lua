-- Wireshark dissector for VRR/1, the Virtual Ring Routing wire format as docs/wire.md defines it (the codec in
-- src/vrr/wire speaks the same bytes): the common header, control packets with every core option (HELLO,
-- SETUP_REQ, SETUP, SETUP_FAIL, TEARDOWN, ACK, and keyed meshes' AUTH_CHALLENGE and AUTH_RESPONSE), the DHT
-- options (0x10-0x16), the multicast options (0x20-0x26, 0x28-0x2C), data packets (the payload goes on to
-- Wireshark's own dissector for its Next Header), the AUTH flag and its 24-byte integrity trailer (Nonce,
-- Counter, Tag: docs/wire.md "Integrity trailer"; the tag is shown, not checked, as the dissector has no key).
-- Unknown options are shown with their Type and Len and skipped, as the codec skips them; malformed frames and
-- options get expert infos named after the codec's drop reasons.
--
-- Install: copy to ~/.local/lib/wireshark/plugins/ (Wireshark and tshark load it at start), or run
--   tshark -X lua_script:wireshark/vrr.lua -r capture.pcap
-- Filter with `vrr`, e.g. `vrr.opt.type == 0x03` (SETUP), `vrr.dht.key_text == "k"` or `vrr.auth.counter == 1`.

local VRR_ETHERTYPE = 0x88b5
local CONTROL_HEADER = 16
local DATA_HEADER = 20
local TRAILER_LENGTH = 24 -- Nonce (4), Counter (4), Tag (16)
local FLAG_AUTH = 0x80

local vrr = Proto("vrr", "Virtual Ring Routing (VRR/1)")

-- Value strings ------------------------------------------------------------------------------------------------

local kind_names = { [0] = "control", [1] = "data" }

local option_names = {
  [0x01] = "HELLO",
  [0x02] = "SETUP_REQ",
  [0x03] = "SETUP",
  [0x04] = "SETUP_FAIL",
  [0x05] = "TEARDOWN",
  [0x06] = "ACK",
  [0x07] = "AUTH_CHALLENGE",
  [0x08] = "AUTH_RESPONSE",
  [0x09] = "PATH_PROBE",
  [0x10] = "DHT_PUT",
  [0x11] = "DHT_GET",
  [0x12] = "DHT_DELETE",
  [0x13] = "DHT_REPLY",
  [0x14] = "DHT_REPLICATE",
  [0x15] = "DHT_HANDOFF",
  [0x16] = "DHT_RELEASE",
  [0x20] = "MCAST_REGISTER",
  [0x21] = "MCAST_MEMBERS",
  [0x22] = "MCAST_WITHDRAW",
  [0x23] = "MCAST_JOIN",
  [0x24] = "MCAST_SOURCES",
  [0x25] = "MCAST_LEAVE",
  [0x26] = "MCAST_REPLICATE",
  [0x28] = "MCAST_SEED",
  [0x29] = "MCAST_FELL",
  [0x2a] = "MCAST_BRANCH",
  [0x2b] = "MCAST_PRUNE",
  [0x2c] = "MCAST_ATTACHED",
}

local neighbor_states = { [1] = "linked-active", [2] = "linked-inactive", [3] = "pending" }
local dht_statuses = { [0] = "OK", [1] = "NOT_FOUND", [2] = "STALE_VERSION", [3] = "REFUSED" }
local next_headers = { [0x0800] = "IPv4", [0x0806] = "ARP", [0x86dd] = "IPv6", [0x88b6] = "ping-all probe" }

-- Fields -------------------------------------------------------------------------------------------------------

local F = {}
local function field(key, f)
  F[key] = f
end

-- Common header.
field("version", ProtoField.uint8("vrr.version", "Version", base.DEC, nil, 0xf0))
field("kind", ProtoField.uint8("vrr.kind", "Kind", base.DEC, kind_names, 0x0f))
field("flags", ProtoField.uint8("vrr.flags", "Flags", base.HEX))
field("flags_auth", ProtoField.bool("vrr.flags.auth", "AUTH (integrity trailer)", 8, nil, FLAG_AUTH))
field("flags_reserved", ProtoField.uint8("vrr.flags.reserved", "Reserved flag bits", base.HEX, nil, 0x7f))
field("length", ProtoField.uint16("vrr.length", "Total Length", base.DEC))
field("auth", ProtoField.none("vrr.auth", "Integrity trailer"))
field("auth_nonce", ProtoField.uint32("vrr.auth.nonce", "Nonce (drawn once per start of the sender)", base.HEX))
field("auth_counter", ProtoField.uint32("vrr.auth.counter", "Counter (1 for the first frame under the Nonce)", base.DEC))
field("auth_tag", ProtoField.bytes("vrr.auth.tag", "Tag (truncated HMAC-SHA-256, not checked here)"))
field("padding", ProtoField.bytes("vrr.padding", "Ethernet padding past Total Length (ignored)"))

-- Control header.
field("sender", ProtoField.ether("vrr.sender", "Sender"))
field("seq", ProtoField.uint16("vrr.seq", "Sequence", base.DEC))
field("reserved", ProtoField.uint32("vrr.reserved", "Reserved", base.HEX))

-- Every option.
field("opt", ProtoField.none("vrr.opt", "Option"))
field("opt_type", ProtoField.uint8("vrr.opt.type", "Type", base.HEX, option_names))
field("opt_len", ProtoField.uint8("vrr.opt.len", "Len (8-byte units)", base.DEC))
field("opt_unknown", ProtoField.uint8("vrr.opt.unknown", "Unknown option Type", base.HEX))
field("opt_body", ProtoField.bytes("vrr.opt.body", "Body"))

-- HELLO.
field("hello_flags", ProtoField.uint8("vrr.hello.flags", "Flags", base.HEX))
field("hello_active", ProtoField.bool("vrr.hello.active", "ACTIVE (joined the ring)", 8, nil, 0x01))
field("hello_rep_count", ProtoField.uint8("vrr.hello.rep_count", "RepCount", base.DEC))
field("hello_seq", ProtoField.uint16("vrr.hello.seq", "HelloSeq", base.DEC))
field("hello_neighbor_count", ProtoField.uint8("vrr.hello.neighbor_count", "NeighborCount", base.DEC))
field("hello_part", ProtoField.uint8("vrr.hello.part", "Part", base.DEC, nil, 0xf0))
field("hello_parts", ProtoField.uint8("vrr.hello.parts", "Parts", base.DEC, nil, 0x0f))
field("hello_rep", ProtoField.ether("vrr.hello.rep", "Representative"))
field("hello_rep_seq", ProtoField.uint16("vrr.hello.rep_seq", "RepSeq", base.DEC))
field("hello_neighbor", ProtoField.ether("vrr.hello.neighbor", "Neighbour"))
field("hello_state", ProtoField.uint8("vrr.hello.state", "State", base.DEC, neighbor_states))
field("hello_quality", ProtoField.uint8("vrr.hello.quality", "Quality (0 = not measured)", base.DEC))

-- SETUP_REQ, SETUP, SETUP_FAIL.
field("setup_vset_count", ProtoField.uint8("vrr.setup.vset_count", "VsetCount", base.DEC))
field("setup_reserved", ProtoField.uint8("vrr.setup.reserved", "Reserved", base.HEX))
field("setup_token", ProtoField.uint32("vrr.setup.token", "Token", base.HEX))
field("setup_path_id", ProtoField.uint32("vrr.setup.path_id", "PathId", base.HEX))
field("setup_src", ProtoField.ether("vrr.setup.src", "Src"))
field("setup_dst", ProtoField.ether("vrr.setup.dst", "Dst"))
field("setup_proxy", ProtoField.ether("vrr.setup.proxy", "Proxy"))
field("setup_vset", ProtoField.ether("vrr.setup.vset", "Vset member"))

-- TEARDOWN.
field("td_vset_count", ProtoField.uint8("vrr.teardown.vset_count", "VsetCount", base.DEC))
field("td_flags", ProtoField.uint8("vrr.teardown.flags", "Flags", base.HEX))
field("td_flag_vset", ProtoField.bool("vrr.teardown.flags.vset", "VSET (deliberate, vset attached)", 8, nil, 0x01))
field("td_path_id", ProtoField.uint32("vrr.teardown.path_id", "PathId", base.HEX))
field("td_ea", ProtoField.ether("vrr.teardown.ea", "Ea (endpoint A)"))
field("td_vset", ProtoField.ether("vrr.teardown.vset", "Vset member"))

-- PATH_PROBE.
field("pp_flags", ProtoField.uint8("vrr.path_probe.flags", "Flags", base.HEX))
field("pp_flag_toward_b", ProtoField.bool("vrr.path_probe.flags.toward_b", "TOWARD_B (follows nb)", 8, nil, 0x01))
field("pp_flag_echo", ProtoField.bool("vrr.path_probe.flags.echo", "ECHO (on its way home)", 8, nil, 0x02))
field("pp_path_id", ProtoField.uint32("vrr.path_probe.path_id", "PathId", base.HEX))
field("pp_ea", ProtoField.ether("vrr.path_probe.ea", "Ea (endpoint A)"))
field("pp_nonce", ProtoField.uint32("vrr.path_probe.nonce", "Nonce", base.HEX))

-- ACK.
field("ack_seq", ProtoField.uint16("vrr.ack.seq", "Acknowledged Sequence", base.DEC))
field("ack_reserved", ProtoField.uint32("vrr.ack.reserved", "Reserved", base.HEX))

-- AUTH_CHALLENGE, AUTH_RESPONSE.
field("auth_challenge", ProtoField.uint64("vrr.auth.challenge", "Challenge", base.HEX))

-- DHT (every layout starts with the routed header).
field("dht_hop_count", ProtoField.uint8("vrr.dht.hop_count", "HopCount", base.DEC))
field("dht_hop_limit", ProtoField.uint8("vrr.dht.hop_limit", "HopLimit", base.DEC))
field("dht_req_id", ProtoField.uint32("vrr.dht.req_id", "ReqId", base.HEX))
field("dht_target", ProtoField.ether("vrr.dht.target", "Target"))
field("dht_key_len", ProtoField.uint8("vrr.dht.key_len", "KeyLen", base.DEC))
field("dht_flags", ProtoField.uint8("vrr.dht.flags", "Flags", base.HEX))
field("dht_flag_version", ProtoField.bool("vrr.dht.flags.version", "VERSION (explicit)", 8, nil, 0x01))
field("dht_flag_tombstone", ProtoField.bool("vrr.dht.flags.tombstone", "TOMBSTONE (deleted key)", 8, nil, 0x01))
field("dht_origin", ProtoField.ether("vrr.dht.origin", "Origin"))
field("dht_owner", ProtoField.ether("vrr.dht.owner", "Owner"))
field("dht_request_hops", ProtoField.uint8("vrr.dht.request_hops", "RequestHops", base.DEC))
field("dht_status", ProtoField.uint8("vrr.dht.status", "Status", base.DEC, dht_statuses))
field("dht_value_len", ProtoField.uint16("vrr.dht.value_len", "ValueLen", base.DEC))
field("dht_version", ProtoField.uint32("vrr.dht.version", "Version", base.DEC))
field("dht_ttl_ms", ProtoField.uint32("vrr.dht.ttl_ms", "TtlMs (0 = never expires)", base.DEC))
field("dht_source", ProtoField.ether("vrr.dht.source", "Source"))
field("dht_reserved", ProtoField.uint16("vrr.dht.reserved", "Reserved", base.HEX))
field("dht_key", ProtoField.bytes("vrr.dht.key", "Key"))
field("dht_key_text", ProtoField.string("vrr.dht.key_text", "Key (text)"))
field("dht_value", ProtoField.bytes("vrr.dht.value", "Value"))

-- Multicast membership and tree options.
field("mc_hop_count", ProtoField.uint8("vrr.mcast.hop_count", "HopCount", base.DEC))
field("mc_hop_limit", ProtoField.uint8("vrr.mcast.hop_limit", "HopLimit", base.DEC))
field("mc_nsrc", ProtoField.uint8("vrr.mcast.nsrc", "NSrc", base.DEC))
field("mc_nmem", ProtoField.uint8("vrr.mcast.nmem", "NMem", base.DEC))
field("mc_reserved", ProtoField.uint16("vrr.mcast.reserved", "Reserved", base.HEX))
field("mc_version", ProtoField.uint16("vrr.mcast.version", "Version", base.DEC))
field("mc_seen", ProtoField.uint16("vrr.mcast.seen", "Seen", base.DEC))
field("mc_target", ProtoField.ether("vrr.mcast.target", "Target"))
field("mc_group", ProtoField.ether("vrr.mcast.group", "Group"))
field("mc_origin", ProtoField.ether("vrr.mcast.origin", "Origin"))
field("mc_source", ProtoField.ether("vrr.mcast.source", "Source"))
field("mc_member", ProtoField.ether("vrr.mcast.member", "Member"))
field("mc_flags", ProtoField.uint8("vrr.mcast.flags", "Flags", base.HEX))
field("mc_flag_final", ProtoField.bool("vrr.mcast.flags.final", "FINAL (forget the tree)", 8, nil, 0x01))
field("mc_flag_attached", ProtoField.bool("vrr.mcast.flags.attached", "ATTACHED (sender reaches the root)", 8, nil, 0x02))
field("mc_seq", ProtoField.uint32("vrr.mcast.seq", "Seq", base.DEC))
field("mc_root", ProtoField.ether("vrr.mcast.root", "Root"))

-- Data packets.
field("data_hop_limit", ProtoField.uint8("vrr.data.hop_limit", "Hop Limit", base.DEC))
field("data_flags", ProtoField.uint8("vrr.data.flags", "Data Flags", base.HEX))
field("data_flag_key", ProtoField.bool("vrr.data.flags.key", "KEY (to the node closest to Destination)", 8, nil, 0x01))
field("data_flag_group", ProtoField.bool("vrr.data.flags.group", "GROUP (Destination is a group)", 8, nil, 0x02))
field("data_next_header", ProtoField.uint16("vrr.data.next_header", "Next Header", base.HEX, next_headers))
field("data_src", ProtoField.ether("vrr.data.src", "Source"))
field("data_dst", ProtoField.ether("vrr.data.dst", "Destination"))
field("data_payload", ProtoField.bytes("vrr.data.payload", "Payload"))

local field_list = {}
for _, f in pairs(F) do
  table.insert(field_list, f)
end
vrr.fields = field_list

-- Expert infos, one per drop reason of the codec (docs/wire.md, "Decoding, step by step").
local E = {
  too_short = ProtoExpert.new("vrr.too_short", "too-short: fewer bytes than the header needs", expert.group.MALFORMED, expert.severity.ERROR),
  bad_version = ProtoExpert.new("vrr.bad_version", "bad-version: Ver is not 1", expert.group.MALFORMED, expert.severity.ERROR),
  bad_kind = ProtoExpert.new("vrr.bad_kind", "bad-kind: Kind is not 0 or 1", expert.group.MALFORMED, expert.severity.ERROR),
  bad_length = ProtoExpert.new("vrr.bad_length", "bad-length: Total Length below the header or beyond the frame", expert.group.MALFORMED, expert.severity.ERROR),
  bad_option = ProtoExpert.new("vrr.bad_option", "bad-option: the rest of the packet is dropped", expert.group.MALFORMED, expert.severity.ERROR),
  bad_option_body = ProtoExpert.new("vrr.bad_option_body", "bad-option-body: the rest of the packet is dropped", expert.group.MALFORMED, expert.severity.ERROR),
  unknown_option = ProtoExpert.new("vrr.unknown_option", "unknown option: skipped", expert.group.UNDECODED, expert.severity.NOTE),
}
vrr.experts = { E.too_short, E.bad_version, E.bad_kind, E.bad_length, E.bad_option, E.bad_option_body, E.unknown_option }

-- Helpers --------------------------------------------------------------------------------------------------------

local function mac(tvb, offset)
  return tostring(tvb(offset, 6):ether())
end

-- A slot (6-byte address + 2 bytes): adds the address with `f`; returns the tree item.
local function add_slot(tree, f, tvb, offset)
  return tree:add(f, tvb(offset, 6))
end

-- Printable ASCII text of a byte range, or nil.
local function printable(range)
  if range:len() == 0 then
    return ""
  end
  local s = range:raw()
  if s:match("^[\32-\126]*$") then
    return s
  end
  return nil
end

-- Option bodies: each returns nil when the body is sound, else why it contradicts itself ---------------------------

local function hello(tvb, t, o, len)
  local rep_count = tvb(o + 3, 1):uint()
  local neighbor_count = tvb(o + 6, 1):uint()
  local part_byte = tvb(o + 7, 1):uint()
  local part, parts = bit.rshift(part_byte, 4), bit.band(part_byte, 0x0f)
  local flags = t:add(F.hello_flags, tvb(o + 2, 1))
  flags:add(F.hello_active, tvb(o + 2, 1))
  t:add(F.hello_rep_count, tvb(o + 3, 1))
  t:add(F.hello_seq, tvb(o + 4, 2))
  t:add(F.hello_neighbor_count, tvb(o + 6, 1))
  t:add(F.hello_part, tvb(o + 7, 1))
  t:add(F.hello_parts, tvb(o + 7, 1))
  if rep_count > 2 then
    return string.format("HELLO RepCount %d > 2", rep_count)
  end
  if parts == 0 or part >= parts then
    return string.format("HELLO part %d of %d", part, parts)
  end
  if 8 + 8 * (rep_count + neighbor_count) > len then
    return string.format("HELLO lists %d reps + %d neighbours, Len holds %d bytes", rep_count, neighbor_count, len)
  end
  local at = o + 8
  for _ = 1, rep_count do
    local item = add_slot(t, F.hello_rep, tvb, at)
    item:add(F.hello_rep_seq, tvb(at + 6, 2))
    item:append_text(string.format(", RepSeq %d", tvb(at + 6, 2):uint()))
    at = at + 8
  end
  for i = 1, neighbor_count do
    local state = tvb(at + 6, 1):uint()
    local item = add_slot(t, F.hello_neighbor, tvb, at)
    item:add(F.hello_state, tvb(at + 6, 1))
    item:add(F.hello_quality, tvb(at + 7, 1))
    item:append_text(string.format(", %s, quality %d", neighbor_states[state] or ("state " .. state), tvb(at + 7, 1):uint()))
    if state < 1 or state > 3 then
      return string.format("HELLO neighbour %d has state %d", i - 1, state)
    end
    at = at + 8
  end
  return nil
end

local function setup_family(tvb, t, o, len, type)
  local vset_count = tvb(o + 2, 1):uint()
  t:add(F.setup_vset_count, tvb(o + 2, 1))
  t:add(F.setup_reserved, tvb(o + 3, 1))
  if len < 32 then
    return string.format("%s needs 32 bytes, Len holds %d", option_names[type], len)
  end
  t:add(type == 0x03 and F.setup_path_id or F.setup_token, tvb(o + 4, 4))
  add_slot(t, F.setup_src, tvb, o + 8)
  add_slot(t, F.setup_dst, tvb, o + 16)
  add_slot(t, F.setup_proxy, tvb, o + 24)
  if 32 + 8 * vset_count > len then
    return string.format("%s lists %d vset members, Len holds %d bytes", option_names[type], vset_count, len)
  end
  for i = 0, vset_count - 1 do
    add_slot(t, F.setup_vset, tvb, o + 32 + 8 * i)
  end
  return nil
end

local function teardown(tvb, t, o, len)
  local vset_count = tvb(o + 2, 1):uint()
  local flags = tvb(o + 3, 1):uint()
  t:add(F.td_vset_count, tvb(o + 2, 1))
  t:add(F.td_flags, tvb(o + 3, 1)):add(F.td_flag_vset, tvb(o + 3, 1))
  if len < 16 then
    return string.format("TEARDOWN needs 16 bytes, Len holds %d", len)
  end
  t:add(F.td_path_id, tvb(o + 4, 4))
  add_slot(t, F.td_ea, tvb, o + 8)
  if 16 + 8 * vset_count > len then
    return string.format("TEARDOWN lists %d vset members, Len holds %d bytes", vset_count, len)
  end
  if vset_count ~= 0 and bit.band(flags, 0x01) == 0 then
    return string.format("TEARDOWN lists %d vset members without the VSET flag", vset_count)
  end
  for i = 0, vset_count - 1 do
    add_slot(t, F.td_vset, tvb, o + 16 + 8 * i)
  end
  return nil
end

local function path_probe(tvb, t, o, len)
  t:add(F.pp_flags, tvb(o + 2, 1)):add(F.pp_flag_toward_b, tvb(o + 2, 1)):add(F.pp_flag_echo, tvb(o + 2, 1))
  if len < 20 then
    return string.format("PATH_PROBE needs 20 bytes, Len holds %d", len)
  end
  t:add(F.pp_path_id, tvb(o + 4, 4))
  add_slot(t, F.pp_ea, tvb, o + 8)
  t:add(F.pp_nonce, tvb(o + 16, 4))
  return nil
end

local function ack(tvb, t, o)
  t:add(F.ack_seq, tvb(o + 2, 2))
  t:add(F.ack_reserved, tvb(o + 4, 4))
  return nil
end

-- AUTH_CHALLENGE and AUTH_RESPONSE: a 48-bit challenge; Len >= 1 always holds it.
local function auth_challenge(tvb, t, o)
  t:add(F.auth_challenge, tvb(o + 2, 6))
  return nil
end

local function dht_routed(tvb, t, o)
  t:add(F.dht_hop_count, tvb(o + 2, 1))
  t:add(F.dht_hop_limit, tvb(o + 3, 1))
  t:add(F.dht_req_id, tvb(o + 4, 4))
  add_slot(t, F.dht_target, tvb, o + 8)
end

-- Key and value byte strings (lengths already checked against Len).
local function dht_key_value(tvb, t, at, key_len, value_len)
  if key_len > 0 or value_len == 0 then
    local key = t:add(F.dht_key, tvb(at, key_len))
    local text = key_len > 0 and printable(tvb(at, key_len)) or nil
    if text then
      key:add(F.dht_key_text, tvb(at, key_len))
      key:append_text(string.format(' ("%s")', text))
    end
  end
  if value_len > 0 then
    local value = t:add(F.dht_value, tvb(at + key_len, value_len))
    local text = printable(tvb(at + key_len, value_len))
    if text then
      value:append_text(string.format(' ("%s")', text))
    end
  end
end

-- Bytes 16-31 every DHT layout shares: an address (Origin, or Owner in a reply), ValueLen, Version, TtlMs.
-- Returns ValueLen.
local function dht_entry_fields(tvb, t, o, address_field)
  add_slot(t, address_field, tvb, o + 16)
  t:add(F.dht_value_len, tvb(o + 22, 2))
  t:add(F.dht_version, tvb(o + 24, 4))
  t:add(F.dht_ttl_ms, tvb(o + 28, 4))
  return tvb(o + 22, 2):uint()
end

-- The layouts with a key: requests (PUT, GET, DELETE: 32 fixed bytes, flag VERSION) and transfers (REPLICATE,
-- HANDOFF, RELEASE: 40 fixed bytes, flag TOMBSTONE, then Source and 2 reserved bytes); key and value follow.
local function dht_keyed(tvb, t, o, len, type, fixed, flag_field)
  dht_routed(tvb, t, o)
  local key_len = tvb(o + 14, 1):uint()
  t:add(F.dht_key_len, tvb(o + 14, 1))
  t:add(F.dht_flags, tvb(o + 15, 1)):add(flag_field, tvb(o + 15, 1))
  if len < fixed then
    return string.format("%s needs %d bytes, Len holds %d", option_names[type], fixed, len)
  end
  local value_len = dht_entry_fields(tvb, t, o, F.dht_origin)
  if fixed == 40 then
    add_slot(t, F.dht_source, tvb, o + 32)
    t:add(F.dht_reserved, tvb(o + 38, 2))
  end
  if fixed + key_len + value_len > len then
    return string.format("%s key %d + value %d bytes overrun Len (%d bytes)", option_names[type], key_len, value_len, len)
  end
  dht_key_value(tvb, t, o + fixed, key_len, value_len)
  return nil
end

local function dht_request(tvb, t, o, len, type)
  return dht_keyed(tvb, t, o, len, type, 32, F.dht_flag_version)
end

local function dht_transfer(tvb, t, o, len, type)
  return dht_keyed(tvb, t, o, len, type, 40, F.dht_flag_tombstone)
end

local function dht_reply(tvb, t, o, len)
  dht_routed(tvb, t, o)
  local status = tvb(o + 15, 1):uint()
  t:add(F.dht_request_hops, tvb(o + 14, 1))
  t:add(F.dht_status, tvb(o + 15, 1))
  if len < 32 then
    return string.format("DHT_REPLY needs 32 bytes, Len holds %d", len)
  end
  local value_len = dht_entry_fields(tvb, t, o, F.dht_owner)
  if 32 + value_len > len then
    return string.format("DHT_REPLY value %d bytes overruns Len (%d bytes)", value_len, len)
  end
  if status > 3 then
    return string.format("DHT_REPLY status %d", status)
  end
  dht_key_value(tvb, t, o + 32, 0, value_len)
  return nil
end

local function mcast_membership(tvb, t, o, len, type)
  if len < 32 then
    return string.format("%s needs 32 bytes, Len holds %d", option_names[type], len)
  end
  local nsrc, nmem = tvb(o + 4, 1):uint(), tvb(o + 5, 1):uint()
  t:add(F.mc_hop_count, tvb(o + 2, 1))
  t:add(F.mc_hop_limit, tvb(o + 3, 1))
  t:add(F.mc_nsrc, tvb(o + 4, 1))
  t:add(F.mc_nmem, tvb(o + 5, 1))
  if type == 0x26 then
    -- REPLICATE: the sender's record version, and the version of the target's record it last received
    t:add(F.mc_version, tvb(o + 6, 2))
  else
    t:add(F.mc_reserved, tvb(o + 6, 2))
  end
  add_slot(t, F.mc_target, tvb, o + 8)
  if type == 0x26 then
    t:add(F.mc_seen, tvb(o + 14, 2))
  end
  add_slot(t, F.mc_group, tvb, o + 16)
  add_slot(t, F.mc_origin, tvb, o + 24)
  if 32 + 8 * (nsrc + nmem) > len then
    return string.format("%s lists %d addresses, Len holds %d bytes", option_names[type], nsrc + nmem, len)
  end
  for i = 0, nsrc - 1 do
    add_slot(t, F.mc_source, tvb, o + 32 + 8 * i)
  end
  for i = 0, nmem - 1 do
    add_slot(t, F.mc_member, tvb, o + 32 + 8 * (nsrc + i))
  end
  return nil
end

local function mcast_tree(tvb, t, o, len, type)
  if len < 32 then
    return string.format("%s needs 32 bytes, Len holds %d", option_names[type], len)
  end
  local flags = t:add(F.mc_flags, tvb(o + 2, 1))
  flags:add(F.mc_flag_final, tvb(o + 2, 1))
  flags:add(F.mc_flag_attached, tvb(o + 2, 1))
  t:add(F.mc_hop_count, tvb(o + 3, 1))
  t:add(F.mc_seq, tvb(o + 4, 4))
  add_slot(t, F.mc_root, tvb, o + 8)
  add_slot(t, F.mc_group, tvb, o + 16)
  add_slot(t, F.mc_target, tvb, o + 24)
  return nil
end

-- Type -> body dissector (o: offset of the Type byte, len: Len * 8).
local bodies = {
  [0x01] = hello,
  [0x02] = setup_family,
  [0x03] = setup_family,
  [0x04] = setup_family,
  [0x05] = teardown,
  [0x06] = ack,
  [0x07] = auth_challenge,
  [0x08] = auth_challenge,
  [0x09] = path_probe,
  [0x10] = dht_request,
  [0x11] = dht_request,
  [0x12] = dht_request,
  [0x13] = dht_reply,
  [0x14] = dht_transfer,
  [0x15] = dht_transfer,
  [0x16] = dht_transfer,
}
for type = 0x20, 0x26 do
  bodies[type] = mcast_membership
end
for type = 0x28, 0x2c do
  bodies[type] = mcast_tree
end

-- A short summary of an option for the tree line and the Info column.
local function option_summary(tvb, o, type)
  if type == 0x01 then
    return string.format("HELLO seq %d", tvb(o + 4, 2):uint())
  elseif type >= 0x02 and type <= 0x04 then
    return string.format("%s %s -> %s", option_names[type], mac(tvb, o + 8), mac(tvb, o + 16))
  elseif type == 0x05 then
    return string.format("TEARDOWN %s #0x%x", mac(tvb, o + 8), tvb(o + 4, 4):uint())
  elseif type == 0x06 then
    return string.format("ACK %d", tvb(o + 2, 2):uint())
  elseif type == 0x07 or type == 0x08 then
    return string.format("%s 0x%s", option_names[type], tostring(tvb(o + 2, 6):bytes()):lower())
  elseif type == 0x09 then
    local flags = tvb(o + 2, 1):uint()
    return string.format(
      "PATH_PROBE %s #0x%x%s",
      mac(tvb, o + 8),
      tvb(o + 4, 4):uint(),
      bit.band(flags, 0x02) ~= 0 and " echo" or ""
    )
  end
  return option_names[type]
end

-- Packets --------------------------------------------------------------------------------------------------------

local function dissect_control(tvb, pinfo, tree, options_end)
  tree:add(F.sender, tvb(4, 6))
  tree:add(F.seq, tvb(10, 2))
  tree:add(F.reserved, tvb(12, 4))
  local names = {}
  local o = CONTROL_HEADER
  while o < options_end do
    if options_end - o < 2 then
      tree:add_proto_expert_info(E.bad_option, string.format("bad-option: a stray byte at offset %d where an option should start", o))
      break
    end
    local type = tvb(o, 1):uint()
    local len = tvb(o + 1, 1):uint() * 8
    if len == 0 or o + len > options_end then
      local t = tree:add(F.opt, tvb(o, options_end - o))
      t:set_text(string.format("Option 0x%02x: bad Len", type))
      t:add(F.opt_type, tvb(o, 1))
      t:add(F.opt_len, tvb(o + 1, 1))
      local why = len == 0 and "Len 0" or string.format("Len %d bytes runs past the options' end (%d bytes left)", len, options_end - o)
      t:add_proto_expert_info(E.bad_option, string.format("bad-option at offset %d: %s", o, why))
      table.insert(names, "bad-option")
      break
    end
    local t = tree:add(F.opt, tvb(o, len))
    t:add(F.opt_type, tvb(o, 1))
    t:add(F.opt_len, tvb(o + 1, 1))
    local body = bodies[type]
    if body == nil then
      t:set_text(string.format("Unknown option 0x%02x, %d bytes (skipped)", type, len))
      t:add(F.opt_unknown, tvb(o, 1))
      if len > 2 then
        t:add(F.opt_body, tvb(o + 2, len - 2))
      end
      t:add_proto_expert_info(E.unknown_option, string.format("unknown option Type 0x%02x, Len %d: skipped", type, len / 8))
      table.insert(names, string.format("unknown 0x%02x", type))
    else
      t:set_text(string.format("Option: %s (0x%02x), %d bytes", option_summary(tvb, o, type), type, len))
      local why = body(tvb, t, o, len, type)
      if why then
        t:add_proto_expert_info(E.bad_option_body, "bad-option-body: " .. why)
        table.insert(names, option_names[type] .. " (malformed)")
        break
      end
      table.insert(names, option_summary(tvb, o, type))
    end
    o = o + len
  end
  pinfo.cols.info:set(string.format("VRR control from %s seq %d: %s", mac(tvb, 4), tvb(10, 2):uint(), table.concat(names, ", ")))
end

-- The header; returns the payload's range (nil when empty) and its Next Header.
local function dissect_data(tvb, pinfo, tree, payload_end)
  tree:add(F.data_hop_limit, tvb(4, 1))
  local flags = tree:add(F.data_flags, tvb(5, 1))
  flags:add(F.data_flag_key, tvb(5, 1))
  flags:add(F.data_flag_group, tvb(5, 1))
  tree:add(F.data_next_header, tvb(6, 2))
  tree:add(F.data_src, tvb(8, 6))
  tree:add(F.data_dst, tvb(14, 6))
  pinfo.cols.info:set(string.format("VRR data %s -> %s hop limit %d", mac(tvb, 8), mac(tvb, 14), tvb(4, 1):uint()))
  local length = payload_end - DATA_HEADER
  if length <= 0 then
    return nil
  end
  local payload = tvb(DATA_HEADER, length)
  tree:add(F.data_payload, payload)
  return payload, tvb(6, 2):uint()
end

-- The payload is an Ethernet-typed packet (IPv4, IPv6, ...): Wireshark's own dissectors take it from here. A
-- malformed inner packet is theirs to flag (pcall: their exception must not cut the VRR tree short); a payload
-- no dissector takes is shown as data.
local function dissect_payload(payload, next_header, pinfo, root)
  local ethertype = DissectorTable.get("ethertype")
  local ok, used = true, 0
  if next_header ~= VRR_ETHERTYPE then
    ok, used = pcall(function()
      return ethertype:try(next_header, payload:tvb(), pinfo, root)
    end)
  end
  if ok and (used == nil or used == 0) then
    Dissector.get("data"):call(payload:tvb(), pinfo, root)
  end
end

function vrr.dissector(tvb, pinfo, root)
  local frame = tvb:len()
  pinfo.cols.protocol:set("VRR")
  local tree = root:add(vrr, tvb())
  if frame < 4 then
    tree:add_proto_expert_info(E.too_short, string.format("too-short: %d bytes, the common header needs 4", frame))
    return frame
  end
  local first = tvb(0, 1):uint()
  local version, kind = bit.rshift(first, 4), bit.band(first, 0x0f)
  local flags = tvb(1, 1):uint()
  local total = tvb(2, 2):uint()
  tree:add(F.version, tvb(0, 1))
  tree:add(F.kind, tvb(0, 1))
  local flags_item = tree:add(F.flags, tvb(1, 1))
  flags_item:add(F.flags_auth, tvb(1, 1))
  flags_item:add(F.flags_reserved, tvb(1, 1))
  tree:add(F.length, tvb(2, 2))
  if version ~= 1 then
    tree:add_proto_expert_info(E.bad_version, string.format("bad-version: version %d", version))
    return frame
  end
  if kind ~= 0 and kind ~= 1 then
    tree:add_proto_expert_info(E.bad_kind, string.format("bad-kind: kind %d", kind))
    return frame
  end
  local header = kind == 0 and CONTROL_HEADER or DATA_HEADER
  if frame < header then
    tree:add_proto_expert_info(E.too_short, string.format("too-short: %d bytes, the %s header needs %d", frame, kind_names[kind], header))
    return frame
  end
  local auth = bit.band(flags, FLAG_AUTH) ~= 0
  local minimum = header + (auth and TRAILER_LENGTH or 0)
  if total < minimum then
    tree:add_proto_expert_info(E.bad_length, string.format("bad-length: Total Length %d below the %d bytes of a %s header%s", total, minimum, kind_names[kind], auth and " and its AUTH trailer" or ""))
    return frame
  end
  if total > frame then
    tree:add_proto_expert_info(E.bad_length, string.format("bad-length: Total Length %d beyond the %d-byte frame", total, frame))
    return frame
  end
  tree:set_len(total)
  tree:append_text(string.format(", %s, %d bytes%s", kind_names[kind], total, auth and ", AUTH" or ""))
  local body_end = total - (auth and TRAILER_LENGTH or 0)
  local payload, next_header
  if kind == 0 then
    dissect_control(tvb, pinfo, tree, body_end)
  else
    payload, next_header = dissect_data(tvb, pinfo, tree, body_end)
  end
  if auth then
    local trailer = tree:add(F.auth, tvb(body_end, TRAILER_LENGTH))
    trailer:add(F.auth_nonce, tvb(body_end, 4))
    trailer:add(F.auth_counter, tvb(body_end + 4, 4))
    trailer:add(F.auth_tag, tvb(body_end + 8, 16))
    trailer:append_text(string.format(": nonce 0x%08x, counter %d", tvb(body_end, 4):uint(), tvb(body_end + 4, 4):uint()))
  end
  if payload then
    dissect_payload(payload, next_header, pinfo, root)
  end
  -- Bytes past Total Length are Ethernet padding. A Lua dissector cannot shrink its tvb (as C dissectors do, so
  -- that Ethernet shows the rest as eth.padding), so they are shown here, outside the VRR packet's tree.
  if frame > total then
    root:add(F.padding, tvb(total, frame - total))
  end
  return total
end

DissectorTable.get("ethertype"):add(VRR_ETHERTYPE, vrr)
