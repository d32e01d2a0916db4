// See offload.h.
#include "offload.h"

#include <cstring>

namespace vrr {

namespace {

constexpr size_t kEthernet = 14;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kTcpFin = 0x01;
constexpr uint8_t kTcpPsh = 0x08;
constexpr uint8_t kTcpAck = 0x10;
constexpr uint8_t kTcpCwr = 0x80;
constexpr size_t kMaxIpPayload = 65535;

inline uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t Get32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 | p[3];
}
inline void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void Put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

// Sum of the TCP pseudo-header for a TCP segment of tcpLength bytes.
uint32_t PseudoHeaderSum(const uint8_t* frame, const TcpFrame& t, size_t tcpLength) {
  const uint8_t* ip = frame + t.ipOffset;
  uint32_t sum = kProtoTcp;
  if (t.ipVersion == 4) {
    sum = ChecksumAdd(ip + 12, 8, sum);
  } else {
    sum = ChecksumAdd(ip + 8, 32, sum);
    sum += static_cast<uint32_t>(tcpLength >> 16);
  }
  return sum + static_cast<uint32_t>(tcpLength & 0xffff);
}

void WriteIpv4Checksum(uint8_t* ip, size_t headerLength) {
  ip[10] = ip[11] = 0;
  Put16(ip + 10, static_cast<uint16_t>(~ChecksumFold(ChecksumAdd(ip, headerLength, 0))));
}

// Sets the IP length fields for a TCP segment of tcpLength bytes (and the IPv4 header checksum).
void SetIpLength(uint8_t* frame, const TcpFrame& t, size_t tcpLength) {
  uint8_t* ip = frame + t.ipOffset;
  if (t.ipVersion == 4) {
    Put16(ip + 2, static_cast<uint16_t>(t.ipHeaderLength + tcpLength));
    WriteIpv4Checksum(ip, t.ipHeaderLength);
  } else {
    Put16(ip + 4, static_cast<uint16_t>(tcpLength));
  }
}

bool TcpChecksumValid(const uint8_t* frame, const TcpFrame& t) {
  size_t tcpLength = t.tcpHeaderLength + t.payloadLength;
  uint32_t sum = ChecksumAdd(frame + t.tcpOffset, tcpLength, PseudoHeaderSum(frame, t, tcpLength));
  return ChecksumFold(sum) == 0xffff;
}

}  // namespace

uint32_t ChecksumAdd(const uint8_t* data, size_t length, uint32_t sum) {
  uint64_t acc = sum;
  size_t i = 0;
  for (; i + 4 <= length; i += 4) acc += Get32(data + i);
  for (; i + 2 <= length; i += 2) acc += Get16(data + i);
  if (i < length) acc += static_cast<uint32_t>(data[i]) << 8;
  while (acc >> 32) acc = (acc & 0xffffffffu) + (acc >> 32);
  // Fold the 32-bit words' halves in as well: the caller folds to 16 bits.
  return static_cast<uint32_t>((acc & 0xffff) + (acc >> 16));
}

uint16_t ChecksumFold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

bool ParseTcpFrame(const uint8_t* frame, size_t length, TcpFrame* out) {
  if (length < kEthernet + 20) return false;
  uint16_t etherType = Get16(frame + 12);
  const uint8_t* ip = frame + kEthernet;
  TcpFrame t;
  size_t ipLength;
  if (etherType == 0x0800) {
    if ((ip[0] >> 4) != 4) return false;
    t.ipVersion = 4;
    t.ipHeaderLength = static_cast<size_t>(ip[0] & 0x0f) * 4;
    if (t.ipHeaderLength < 20 || ip[9] != kProtoTcp) return false;
    if ((Get16(ip + 6) & 0x3fff) != 0) return false;  // a fragment
    ipLength = Get16(ip + 2);
  } else if (etherType == 0x86dd) {
    if (length < kEthernet + 40 || (ip[0] >> 4) != 6 || ip[6] != kProtoTcp) return false;
    t.ipVersion = 6;
    t.ipHeaderLength = 40;
    ipLength = 40 + static_cast<size_t>(Get16(ip + 4));
  } else {
    return false;
  }
  if (ipLength < t.ipHeaderLength + 20 || kEthernet + ipLength > length) return false;
  t.tcpOffset = kEthernet + t.ipHeaderLength;
  t.tcpHeaderLength = static_cast<size_t>(frame[t.tcpOffset + 12] >> 4) * 4;
  if (t.tcpHeaderLength < 20 || t.ipHeaderLength + t.tcpHeaderLength > ipLength) return false;
  t.payloadOffset = t.tcpOffset + t.tcpHeaderLength;
  t.payloadLength = ipLength - t.ipHeaderLength - t.tcpHeaderLength;
  t.length = kEthernet + ipLength;
  *out = t;
  return true;
}

bool CompleteChecksum(uint8_t* frame, size_t length, const VnetHeader& header) {
  size_t start = header.csumStart;
  size_t field = start + header.csumOffset;
  if (start >= length || field + 2 > length) return false;
  uint16_t sum = static_cast<uint16_t>(~ChecksumFold(ChecksumAdd(frame + start, length - start, 0)));
  // As the kernel's skb_checksum_help: a computed 0 goes out as 0xffff (for UDP, 0 would mean "none").
  Put16(frame + field, sum == 0 ? 0xffff : sum);
  return true;
}

bool TcpSegmenter::Start(const uint8_t* frame, size_t length, const VnetHeader& header) {
  uint8_t type = header.gsoType & static_cast<uint8_t>(~kVnetGsoEcn);
  if (!ParseTcpFrame(frame, length, &tcp_) || header.gsoSize == 0) return false;
  if (!((type == kVnetGsoTcpV4 && tcp_.ipVersion == 4) || (type == kVnetGsoTcpV6 && tcp_.ipVersion == 6))) {
    return false;
  }
  frame_ = frame;
  mss_ = header.gsoSize;
  count_ = tcp_.payloadLength == 0 ? 1 : (tcp_.payloadLength + mss_ - 1) / mss_;
  return true;
}

size_t TcpSegmenter::SegmentLength(size_t i) const {
  size_t done = i * mss_;
  size_t chunk = tcp_.payloadLength - done < mss_ ? tcp_.payloadLength - done : mss_;
  return tcp_.payloadOffset + chunk;
}

void TcpSegmenter::Write(size_t i, uint8_t* out) const {
  size_t length = SegmentLength(i);
  size_t chunk = length - tcp_.payloadOffset;
  std::memcpy(out, frame_, tcp_.payloadOffset);
  std::memcpy(out + tcp_.payloadOffset, frame_ + tcp_.payloadOffset + i * mss_, chunk);
  size_t tcpLength = tcp_.tcpHeaderLength + chunk;
  uint8_t* ip = out + tcp_.ipOffset;
  if (tcp_.ipVersion == 4) Put16(ip + 4, static_cast<uint16_t>(Get16(ip + 4) + i));
  SetIpLength(out, tcp_, tcpLength);
  uint8_t* tcp = out + tcp_.tcpOffset;
  Put32(tcp + 4, static_cast<uint32_t>(Get32(tcp + 4) + i * mss_));
  uint8_t flags = tcp[13];
  if (i + 1 < count_) flags &= static_cast<uint8_t>(~(kTcpFin | kTcpPsh));
  if (i > 0) flags &= static_cast<uint8_t>(~kTcpCwr);
  tcp[13] = flags;
  tcp[16] = tcp[17] = 0;
  uint32_t sum = ChecksumAdd(tcp, tcpLength, PseudoHeaderSum(out, tcp_, tcpLength));
  Put16(tcp + 16, static_cast<uint16_t>(~ChecksumFold(sum)));
}

TcpCoalescer::TcpCoalescer() = default;

bool TcpCoalescer::Mergeable(const uint8_t* frame, const TcpFrame& t) const {
  if (t.payloadLength == 0) return false;
  uint8_t flags = frame[t.tcpOffset + 13];
  if ((flags & static_cast<uint8_t>(~kTcpPsh)) != kTcpAck) return false;
  // A corrupted segment must still reach the kernel's checksum check: merged ones are not checked again.
  if (t.ipVersion == 4 && ChecksumFold(ChecksumAdd(frame + t.ipOffset, t.ipHeaderLength, 0)) != 0xffff) return false;
  return TcpChecksumValid(frame, t);
}

bool TcpCoalescer::Extends(const uint8_t* frame, const TcpFrame& t) const {
  const TcpFrame& h = head_;
  if (t.ipVersion != h.ipVersion || t.ipHeaderLength != h.ipHeaderLength || t.tcpHeaderLength != h.tcpHeaderLength) {
    return false;
  }
  if (t.payloadLength > mss_ || t.ipHeaderLength + t.tcpHeaderLength + h.payloadLength + t.payloadLength > kMaxIpPayload) {
    return false;
  }
  const uint8_t* held = buffer_.data();
  if (std::memcmp(frame, held, 12) != 0) return false;  // Ethernet addresses
  const uint8_t* ip = frame + t.ipOffset;
  const uint8_t* heldIp = held + h.ipOffset;
  if (t.ipVersion == 4) {
    // Version/IHL and TOS; flags (DF); TTL and protocol; addresses; options.
    if (std::memcmp(ip, heldIp, 2) != 0 || std::memcmp(ip + 6, heldIp + 6, 4) != 0 ||
        std::memcmp(ip + 12, heldIp + 12, t.ipHeaderLength - 12) != 0) {
      return false;
    }
  } else {
    if (std::memcmp(ip, heldIp, 4) != 0 || std::memcmp(ip + 6, heldIp + 6, 34) != 0) return false;
  }
  const uint8_t* tcp = frame + t.tcpOffset;
  const uint8_t* heldTcp = held + h.tcpOffset;
  // Ports, acknowledgement, data offset, options (timestamps included: one TSO burst shares them).
  if (std::memcmp(tcp, heldTcp, 4) != 0 || std::memcmp(tcp + 8, heldTcp + 8, 5) != 0 ||
      std::memcmp(tcp + 20, heldTcp + 20, t.tcpHeaderLength - 20) != 0) {
    return false;
  }
  return Get32(tcp + 4) == nextSeq_;
}

void TcpCoalescer::Begin(const uint8_t* frame, const TcpFrame& t) {
  if (buffer_.size() < kEthernet + kMaxIpPayload) buffer_.resize(kEthernet + kMaxIpPayload);
  std::memcpy(buffer_.data(), frame, t.length);
  head_ = t;
  mss_ = t.payloadLength;
  merged_ = 1;
  nextSeq_ = Get32(frame + t.tcpOffset + 4) + static_cast<uint32_t>(t.payloadLength);
  holding_ = true;
  closed_ = (frame[t.tcpOffset + 13] & kTcpPsh) != 0;
}

void TcpCoalescer::Add(const uint8_t* frame, size_t length, Emit emit, void* context) {
  TcpFrame t;
  bool tcp = ParseTcpFrame(frame, length, &t) && Mergeable(frame, t);
  if (tcp && holding_ && !closed_ && Extends(frame, t)) {
    uint8_t* held = buffer_.data();
    std::memcpy(held + head_.payloadOffset + head_.payloadLength, frame + t.payloadOffset, t.payloadLength);
    head_.payloadLength += t.payloadLength;
    head_.length += t.payloadLength;
    nextSeq_ += static_cast<uint32_t>(t.payloadLength);
    merged_++;
    uint8_t* heldTcp = held + head_.tcpOffset;
    const uint8_t* tcpHeader = frame + t.tcpOffset;
    heldTcp[14] = tcpHeader[14];  // the latest window
    heldTcp[15] = tcpHeader[15];
    if (tcpHeader[13] & kTcpPsh) {
      heldTcp[13] |= kTcpPsh;
      closed_ = true;
    }
    if (t.payloadLength < mss_) closed_ = true;
    return;
  }
  Flush(emit, context);
  if (tcp) {
    Begin(frame, t);
    return;
  }
  VnetHeader none = {};
  emit(context, none, frame, length, 1);
}

void TcpCoalescer::Flush(Emit emit, void* context) {
  if (!holding_) return;
  holding_ = false;
  uint8_t* held = buffer_.data();
  VnetHeader header = {};
  if (merged_ > 1) {
    size_t tcpLength = head_.tcpHeaderLength + head_.payloadLength;
    SetIpLength(held, head_, tcpLength);
    // CHECKSUM_PARTIAL: the field holds the pseudo-header sum, the kernel treats the payload as verified
    // (every merged segment's checksum was checked above) and computes it if the packet is forwarded on.
    Put16(held + head_.tcpOffset + 16, ChecksumFold(PseudoHeaderSum(held, head_, tcpLength)));
    header.flags = kVnetNeedsCsum;
    header.gsoType = head_.ipVersion == 4 ? kVnetGsoTcpV4 : kVnetGsoTcpV6;
    header.hdrLen = static_cast<uint16_t>(head_.payloadOffset);
    header.gsoSize = static_cast<uint16_t>(mss_);
    header.csumStart = static_cast<uint16_t>(head_.tcpOffset);
    header.csumOffset = 16;
  }
  emit(context, header, held, head_.length, merged_);
}

}  // namespace vrr
