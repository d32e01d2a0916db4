// TCP offload for the overlay TAP (IFF_VNET_HDR + TUNSETOFFLOAD): the kernel hands vrrd TCP super-packets of up to
// 64 KiB (TSO) and frames whose checksum is left to the device (CSUM); vrrd cuts them into link-sized segments with
// full checksums, so what crosses the ring is exactly what a host without offload would have sent. The other way,
// consecutive in-order segments of one TCP flow written in the same batch are merged into one super-packet (GRO),
// so the receiving host's TCP stack handles one packet where it would have handled dozens. Pure byte work, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vrr {

// struct virtio_net_hdr (linux/virtio_net.h), native (little) endian as a legacy TAP uses it: 10 bytes.
struct VnetHeader {
  uint8_t flags;
  uint8_t gsoType;
  uint16_t hdrLen;
  uint16_t gsoSize;
  uint16_t csumStart;
  uint16_t csumOffset;
} __attribute__((packed));
static_assert(sizeof(VnetHeader) == 10, "virtio_net_hdr is 10 bytes");

constexpr uint8_t kVnetNeedsCsum = 1;
constexpr uint8_t kVnetGsoNone = 0;
constexpr uint8_t kVnetGsoTcpV4 = 1;
constexpr uint8_t kVnetGsoTcpV6 = 4;
constexpr uint8_t kVnetGsoEcn = 0x80;

// One's complement sum of data added to sum (not folded).
uint32_t ChecksumAdd(const uint8_t* data, size_t length, uint32_t sum);
// Folds a 32-bit one's complement sum to 16 bits (not complemented).
uint16_t ChecksumFold(uint32_t sum);

// Where the headers of an Ethernet + IPv4/IPv6 + TCP frame are. IPv6 only without extension headers.
struct TcpFrame {
  int ipVersion = 0;
  size_t ipOffset = 14;
  size_t ipHeaderLength = 0;
  size_t tcpOffset = 0;
  size_t tcpHeaderLength = 0;
  size_t payloadOffset = 0;
  size_t payloadLength = 0;
  // Bytes of the frame the IP packet covers (Ethernet padding excluded).
  size_t length = 0;
};

// Parses a TCP frame; false when it is not one (or is truncated, fragmented, or IPv6 with extension headers).
bool ParseTcpFrame(const uint8_t* frame, size_t length, TcpFrame* out);

// Completes a frame whose checksum the kernel left to the device (VIRTIO_NET_HDR_F_NEEDS_CSUM): the field at
// csumStart + csumOffset holds the pseudo-header sum; false when the offsets lie outside the frame.
bool CompleteChecksum(uint8_t* frame, size_t length, const VnetHeader& header);

// A TSO super-packet read from the TAP, cut into segments of at most gsoSize payload bytes.
class TcpSegmenter {
 public:
  // False when the frame is not a TCP frame matching the header's GSO type.
  bool Start(const uint8_t* frame, size_t length, const VnetHeader& header);
  size_t count() const { return count_; }
  // Bytes of segment i (Ethernet header included).
  size_t SegmentLength(size_t i) const;
  // Writes segment i (SegmentLength(i) bytes) to out, with its IP length, IPv4 ID and checksum, TCP sequence
  // number, flags (FIN and PSH on the last only, CWR on the first only) and full TCP checksum.
  void Write(size_t i, uint8_t* out) const;

 private:
  const uint8_t* frame_ = nullptr;
  TcpFrame tcp_;
  size_t mss_ = 0;
  size_t count_ = 0;
};

// Merges consecutive in-order segments of one TCP flow into super-packets written with a GSO vnet header.
class TcpCoalescer {
 public:
  // Called with (vnet header, frame bytes, frame length, segments merged) for every packet to write.
  using Emit = void (*)(void* context, const VnetHeader& header, const uint8_t* frame, size_t length, int merged);

  TcpCoalescer();
  // Adds one frame to write (in order); frames that cannot be merged pass through unchanged.
  void Add(const uint8_t* frame, size_t length, Emit emit, void* context);
  // Writes whatever is held back.
  void Flush(Emit emit, void* context);

 private:
  // Whether frame (parsed as tcp) can start or extend a super-packet: ACK (+PSH) only, a payload, valid checksums.
  bool Mergeable(const uint8_t* frame, const TcpFrame& tcp) const;
  bool Extends(const uint8_t* frame, const TcpFrame& tcp) const;
  void Begin(const uint8_t* frame, const TcpFrame& tcp);

  std::vector<uint8_t> buffer_;
  bool holding_ = false;
  bool closed_ = false;  // the held packet takes no more segments (its last one was short or pushed)
  TcpFrame head_;        // the held packet's layout (payloadLength: bytes so far)
  size_t mss_ = 0;
  int merged_ = 0;
  uint32_t nextSeq_ = 0;
};

}  // namespace vrr
