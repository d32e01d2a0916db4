// One open link fd (a TAP device or a packet socket) on Node's loop: a uv_poll_t drains up to a budget of
// frames per wake-up into one JS call, writes are synchronous and never block (a full queue is a drop).
// A channel with batched writes (batchWrites(true)) holds the frames written while any channel's callback is
// running (or inside runBatched) and writes them when it returns: one sendmmsg for a packet socket, merged TCP
// super-packets for an offloading TAP. Outside a callback every write goes out at once.
#pragma once

#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <vector>

#include "mac_address.h"
#include "offload.h"

struct mmsghdr;
struct sockaddr_ll;
struct iovec;

namespace vrr {

class FrameChannel : public Napi::ObjectWrap<FrameChannel> {
 public:
  // kTap: reads and writes whole Ethernet frames. kPacket: reads hand JS the payload after the Ethernet
  // header plus the source MAC, send() builds the header (dst, own MAC, EtherType).
  enum class Kind : int { kTap = 0, kPacket = 1 };

  // Defines the JS class (not exported: instances come from openTap/openPacketSocket).
  static Napi::Function DefineClass(Napi::Env env);

  // JS constructor: (fd, kind, etherType, ownMac, offload). offload: a TAP opened with IFF_VNET_HDR and TSO.
  explicit FrameChannel(const Napi::CallbackInfo& info);
  ~FrameChannel() override;

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value WriteEthernet(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value KeepLoopAlive(const Napi::CallbackInfo& info);
  Napi::Value LetLoopExit(const Napi::CallbackInfo& info);
  Napi::Value BatchWrites(const Napi::CallbackInfo& info);

 public:
  // Module function runBatched(fn): calls fn with writes batched, then writes what it queued.
  static Napi::Value RunBatched(const Napi::CallbackInfo& info);

 private:
  // Writes what every channel queued during the batch that just ended.
  static void FlushAllPending();
  // True when a write now should be queued rather than made.
  bool Deferring() const;
  // Copies one frame (an optional 14-byte header, then data) into the queue.
  void Queue(const uint8_t* header, const uint8_t* data, size_t length);
  // Writes the queued frames (sendmmsg, or coalesced TAP writes) and empties the queue.
  void FlushQueue();
  // Writes one frame now: TAP (with a vnet header when offloading) or packet socket (whole frame).
  void WriteNow(const VnetHeader* vnet, const uint8_t* header, const uint8_t* data, size_t length);
  static void EmitCoalesced(void* self, const VnetHeader& header, const uint8_t* frame, size_t length, int merged);
  // Drains a packet socket with recvmmsg; returns frames handed on.
  void DrainPacket(napi_env env, napi_value frames, uint32_t* count, bool* usable);
  // Drains a TAP; an offloaded super-packet becomes several frames.
  void DrainTap(napi_env env, napi_value frames, uint32_t* count, bool* usable);

  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnEnvCleanup(void* self);
  // Reads up to budget_ frames and hands them to the JS callback in one call.
  void Drain();
  // Counts a failed write as a drop (EAGAIN/ENOBUFS: queue full) or an error (anything else).
  void CountWriteFailure(int code);
  // Stops polling and closes the fd; idempotent.
  void Shutdown();

  int fd_ = -1;
  Kind kind_ = Kind::kTap;
  uint16_t etherType_ = 0;
  uint8_t ownMac_[kMacLength] = {};
  bool closed_ = false;
  bool loopRef_ = true;
  bool cleanupHook_ = false;
  int budget_ = 64;
  bool offload_ = false;
  bool batching_ = false;
  bool queued_ = false;  // in the pending list of the current batch
  std::vector<uint8_t> txArena_;
  std::vector<size_t> txEnds_;  // end offset of each queued frame in txArena_
  TcpSegmenter segmenter_;
  TcpCoalescer coalescer_;
  // recvmmsg slots (packet sockets): allocated on first drain, never zero-filled (only touched pages count).
  uint8_t* rxSlab_ = nullptr;
  mmsghdr* rxMessages_ = nullptr;
  iovec* rxIovecs_ = nullptr;
  sockaddr_ll* rxAddresses_ = nullptr;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference callback_;
  napi_async_context asyncContext_ = nullptr;
  std::vector<uint8_t> rx_;
  std::vector<double> sources_;

  uint64_t rx_count_ = 0;
  uint64_t rx_bytes_ = 0;
  uint64_t rx_filtered_ = 0;
  uint64_t rx_errors_ = 0;
  uint64_t tx_count_ = 0;
  uint64_t tx_bytes_ = 0;
  uint64_t tx_dropped_ = 0;
  uint64_t tx_errors_ = 0;
  uint64_t rx_offloaded_ = 0;  // TSO super-packets read and cut into segments
  uint64_t tx_merged_ = 0;     // segments written as parts of merged super-packets
  uint64_t tx_batches_ = 0;    // queue flushes
  int last_errno_ = 0;
};

}  // namespace vrr
