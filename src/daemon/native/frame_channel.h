// One open link fd (a TAP device or a packet socket) on Node's loop: a uv_poll_t drains up to a budget of
// frames per wake-up into one JS call, writes are synchronous and never block (a full queue is a drop).
#pragma once

#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <vector>

#include "mac_address.h"

namespace vrr {

class FrameChannel : public Napi::ObjectWrap<FrameChannel> {
 public:
  // kTap: reads and writes whole Ethernet frames. kPacket: reads hand JS the payload after the Ethernet
  // header plus the source MAC, send() builds the header (dst, own MAC, EtherType).
  enum class Kind : int { kTap = 0, kPacket = 1 };

  // Defines the JS class (not exported: instances come from openTap/openPacketSocket).
  static Napi::Function DefineClass(Napi::Env env);

  // JS constructor: (fd, kind, etherType, ownMac).
  explicit FrameChannel(const Napi::CallbackInfo& info);
  ~FrameChannel() override;

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value KeepLoopAlive(const Napi::CallbackInfo& info);
  Napi::Value LetLoopExit(const Napi::CallbackInfo& info);

  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnEnvCleanup(void* self);
  // Reads up to budget_ frames and hands them to the JS callback in one call.
  void Drain();
  // Reads one frame into rx_; returns its length, 0 for "skip this one", -1 for "nothing more now".
  ssize_t ReadOne(double* source);
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
  int last_errno_ = 0;
};

}  // namespace vrr
