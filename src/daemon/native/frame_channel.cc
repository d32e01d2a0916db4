// See frame_channel.h.
#include "frame_channel.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "sys_error.h"

namespace vrr {

namespace {

constexpr size_t kEthernetHeader = 14;
// Larger than any frame a TAP (a TSO super-packet and its vnet header included) or packet socket hands us.
constexpr size_t kReceiveBuffer = 65536 + kEthernetHeader + 64;
constexpr int kMaxBudget = 4096;
// Frames per recvmmsg / sendmmsg call.
constexpr unsigned kMmsgBatch = 64;
// A batch queue is written early when it holds this many frames or bytes.
constexpr size_t kMaxQueuedFrames = 512;
constexpr size_t kMaxQueuedBytes = 1 << 20;

// Batches in progress (a channel callback or runBatched) on this thread, and the channels holding frames.
thread_local int batchDepth = 0;
thread_local std::vector<FrameChannel*>* pendingChannels = nullptr;

// Reads a byte array argument (Buffer or any Uint8Array) or throws a TypeError naming what was got.
bool BytesArg(const Napi::CallbackInfo& info, size_t index, const char* what, const uint8_t** data,
              size_t* length) {
  Napi::Value value = info[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Napi::TypeError::New(info.Env(), std::string(what) + ": expected a Uint8Array or Buffer")
        .ThrowAsJavaScriptException();
    return false;
  }
  Napi::Uint8Array bytes = value.As<Napi::Uint8Array>();
  *data = bytes.Data();
  *length = bytes.ByteLength();
  return true;
}

}  // namespace

Napi::Function FrameChannel::DefineClass(Napi::Env env) {
  return ObjectWrap<FrameChannel>::DefineClass(env, "FrameChannel",
                                               {
                                                   InstanceMethod<&FrameChannel::Start>("start"),
                                                   InstanceMethod<&FrameChannel::Write>("write"),
                                                   InstanceMethod<&FrameChannel::Send>("send"),
                                                   InstanceMethod<&FrameChannel::WriteEthernet>("writeEthernet"),
                                                   InstanceMethod<&FrameChannel::Close>("close"),
                                                   InstanceMethod<&FrameChannel::Stats>("stats"),
                                                   InstanceMethod<&FrameChannel::KeepLoopAlive>("ref"),
                                                   InstanceMethod<&FrameChannel::LetLoopExit>("unref"),
                                                   InstanceMethod<&FrameChannel::BatchWrites>("batchWrites"),
                                               });
}

FrameChannel::FrameChannel(const Napi::CallbackInfo& info) : ObjectWrap<FrameChannel>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber() ||
      !info[3].IsNumber()) {
    Napi::TypeError::New(env, "FrameChannel: expected (fd, kind, etherType, ownMac)").ThrowAsJavaScriptException();
    return;
  }
  fd_ = info[0].As<Napi::Number>().Int32Value();
  kind_ = info[1].As<Napi::Number>().Int32Value() == 1 ? Kind::kPacket : Kind::kTap;
  etherType_ = static_cast<uint16_t>(info[2].As<Napi::Number>().Uint32Value());
  MacToBytes(info[3].As<Napi::Number>().DoubleValue(), ownMac_);
  offload_ = kind_ == Kind::kTap && info.Length() > 4 && info[4].IsBoolean() && info[4].As<Napi::Boolean>().Value();
  if (kind_ == Kind::kTap) rx_.resize(kReceiveBuffer);
  napi_value resourceName = Napi::String::New(env, "vrr:FrameChannel");
  napi_async_init(env, Value(), resourceName, &asyncContext_);
}

FrameChannel::~FrameChannel() {
  // Reached only when the JS object is collected, which cannot happen while polling (Start keeps a strong
  // reference): so no callback can come after this. Still release the fd of a channel never closed.
  Shutdown();
  std::free(rxSlab_);
  delete[] rxMessages_;
  delete[] rxIovecs_;
  delete[] rxAddresses_;
  if (asyncContext_ != nullptr) napi_async_destroy(Env(), asyncContext_);
}

Napi::Value FrameChannel::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) {
    Napi::TypeError::New(env, "start: expected a callback function").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (info.Length() > 1 && info[1].IsNumber()) {
    int budget = info[1].As<Napi::Number>().Int32Value();
    budget_ = budget < 1 ? 1 : (budget > kMaxBudget ? kMaxBudget : budget);
  }
  if (closed_) {
    Napi::Error::New(env, "start: the channel is closed").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  callback_ = Napi::Persistent(info[0].As<Napi::Function>());
  if (poll_ != nullptr) return env.Undefined();  // already polling: only the callback changed

  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    Napi::Error::New(env, "start: no event loop").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  poll_ = new uv_poll_t;
  int rc = uv_poll_init(loop, poll_, fd_);
  if (rc == 0) rc = uv_poll_start(poll_, UV_READABLE, &FrameChannel::OnPoll);
  if (rc != 0) {
    // uv_poll_init may have registered the handle; uv_close frees it in every case.
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
    Napi::Error::New(env, std::string("start: uv_poll failed: ") + uv_strerror(rc)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  poll_->data = this;
  if (!loopRef_) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  // A channel still open when its environment goes away (a worker ending, an unref'd channel at exit)
  // must release its poll handle before the loop is closed.
  if (napi_add_env_cleanup_hook(env, &FrameChannel::OnEnvCleanup, this) == napi_ok) cleanupHook_ = true;
  // While polling, the loop holds a pointer to this object: keep the JS wrapper (and so this) alive.
  Ref();
  return env.Undefined();
}

void FrameChannel::OnEnvCleanup(void* self) {
  FrameChannel* channel = static_cast<FrameChannel*>(self);
  channel->cleanupHook_ = false;
  channel->Shutdown();
}

void FrameChannel::OnPoll(uv_poll_t* handle, int status, int events) {
  // On error status (e.g. EBADF) there is nothing to read; the next read reports real socket errors.
  static_cast<FrameChannel*>(handle->data)->Drain();
}

void FrameChannel::DrainTap(napi_env env, napi_value frames, uint32_t* count, bool* usable) {
  const size_t vnet = offload_ ? sizeof(VnetHeader) : 0;
  for (int attempt = 0; *usable && attempt < budget_; ++attempt) {
    ssize_t n = read(fd_, rx_.data(), rx_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        rx_errors_++;
        last_errno_ = errno;
      }
      return;
    }
    if (static_cast<size_t>(n) <= vnet) continue;
    uint8_t* frame = rx_.data() + vnet;
    size_t length = static_cast<size_t>(n) - vnet;
    VnetHeader header = {};
    if (offload_) std::memcpy(&header, rx_.data(), sizeof header);
    if (offload_ && (header.gsoType & static_cast<uint8_t>(~kVnetGsoEcn)) != kVnetGsoNone) {
      // A TSO super-packet: hand JS the segments a device without offload would have sent.
      if (!segmenter_.Start(frame, length, header)) {
        rx_filtered_++;
        continue;
      }
      rx_offloaded_++;
      for (size_t i = 0; *usable && i < segmenter_.count(); ++i) {
        size_t segment = segmenter_.SegmentLength(i);
        void* data = nullptr;
        napi_value buffer;
        *usable = napi_create_buffer(env, segment, &data, &buffer) == napi_ok &&
                  napi_set_element(env, frames, (*count)++, buffer) == napi_ok;
        if (*usable) segmenter_.Write(i, static_cast<uint8_t*>(data));
        rx_count_++;
        rx_bytes_ += segment;
      }
      continue;
    }
    if (offload_ && (header.flags & kVnetNeedsCsum) && !CompleteChecksum(frame, length, header)) {
      rx_filtered_++;
      continue;
    }
    rx_count_++;
    rx_bytes_ += length;
    napi_value buffer;
    *usable = napi_create_buffer_copy(env, length, frame, nullptr, &buffer) == napi_ok &&
              napi_set_element(env, frames, (*count)++, buffer) == napi_ok;
  }
}

void FrameChannel::DrainPacket(napi_env env, napi_value frames, uint32_t* count, bool* usable) {
  if (rxSlab_ == nullptr) {
    rxSlab_ = static_cast<uint8_t*>(std::malloc(kMmsgBatch * kReceiveBuffer));
    rxMessages_ = new mmsghdr[kMmsgBatch];
    rxIovecs_ = new iovec[kMmsgBatch];
    rxAddresses_ = new sockaddr_ll[kMmsgBatch];
    if (rxSlab_ == nullptr) {
      *usable = false;
      return;
    }
  }
  int attempts = 0;
  while (*usable && attempts < budget_) {
    unsigned want = static_cast<unsigned>(budget_ - attempts) < kMmsgBatch ? budget_ - attempts : kMmsgBatch;
    for (unsigned i = 0; i < want; ++i) {
      rxIovecs_[i] = {rxSlab_ + i * kReceiveBuffer, kReceiveBuffer};
      std::memset(&rxMessages_[i], 0, sizeof rxMessages_[i]);
      rxMessages_[i].msg_hdr.msg_iov = &rxIovecs_[i];
      rxMessages_[i].msg_hdr.msg_iovlen = 1;
      rxMessages_[i].msg_hdr.msg_name = &rxAddresses_[i];
      rxMessages_[i].msg_hdr.msg_namelen = sizeof(sockaddr_ll);
    }
    int got = recvmmsg(fd_, rxMessages_, want, MSG_DONTWAIT, nullptr);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        // ENETDOWN and friends are reported once per event by the kernel; count and wait for the next wake-up.
        rx_errors_++;
        last_errno_ = errno;
      }
      return;
    }
    attempts += got;
    for (int i = 0; *usable && i < got; ++i) {
      const sockaddr_ll& from = rxAddresses_[i];
      size_t n = rxMessages_[i].msg_len;
      const uint8_t* frame = rxSlab_ + i * kReceiveBuffer;
      // Our own transmissions and frames for other hosts (a promiscuous NIC) are not for the daemon.
      if (from.sll_pkttype == PACKET_OUTGOING || from.sll_pkttype == PACKET_OTHERHOST || n < kEthernetHeader) {
        rx_filtered_++;
        continue;
      }
      if (rxMessages_[i].msg_hdr.msg_flags & MSG_TRUNC) {
        rx_errors_++;
        last_errno_ = EMSGSIZE;
        continue;
      }
      rx_count_++;
      rx_bytes_ += n;
      sources_.push_back(MacFromBytes(frame + kMacLength));
      napi_value buffer;
      *usable = napi_create_buffer_copy(env, n - kEthernetHeader, frame + kEthernetHeader, nullptr, &buffer) ==
                    napi_ok &&
                napi_set_element(env, frames, (*count)++, buffer) == napi_ok;
    }
    if (static_cast<unsigned>(got) < want) return;  // drained
  }
}

void FrameChannel::Drain() {
  // Raw N-API calls with every status checked: this also runs while Node tears the environment down (its
  // last uv_run turns while an unref'd channel is still open), when JS can no longer be entered. There a
  // failing call must not become a fatal error: the channel just stops.
  napi_env env = Env();
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  bool usable = true;
  napi_value frames;
  usable = napi_create_array(env, &frames) == napi_ok;
  sources_.clear();
  uint32_t count = 0;
  if (usable) {
    if (kind_ == Kind::kTap) {
      DrainTap(env, frames, &count, &usable);
    } else {
      DrainPacket(env, frames, &count, &usable);
    }
  }
  napi_value sources = nullptr;
  if (usable && count > 0) {
    if (kind_ == Kind::kPacket) {
      void* data = nullptr;
      napi_value arrayBuffer;
      usable = napi_create_arraybuffer(env, count * sizeof(double), &data, &arrayBuffer) == napi_ok &&
               napi_create_typedarray(env, napi_float64_array, count, arrayBuffer, 0, &sources) == napi_ok;
      if (usable) std::memcpy(data, sources_.data(), count * sizeof(double));
    } else {
      usable = napi_get_undefined(env, &sources) == napi_ok;
    }
  }
  if (usable && count > 0) {
    // MakeCallback (not a plain call) so that promise jobs queued by the callback run before the loop
    // moves on, as after any I/O callback in Node. Frames written meanwhile by batching channels go out
    // when it returns.
    napi_value argv[2] = {frames, sources};
    napi_value result;
    batchDepth++;
    napi_make_callback(env, asyncContext_, Value(), callback_.Value(), 2, argv, &result);
    if (--batchDepth == 0) FlushAllPending();
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      // A throw in the callback would otherwise vanish here (nothing in JS is below us on the stack):
      // hand it to process 'uncaughtException', which kills the process unless a handler is installed.
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
  } else if (!usable) {
    bool pending = false;
    napi_value ignored;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
      napi_get_and_clear_last_exception(env, &ignored);
    }
    Shutdown();
  }
  napi_close_handle_scope(env, scope);
}

bool FrameChannel::Deferring() const { return batching_ && batchDepth > 0; }

void FrameChannel::Queue(const uint8_t* header, const uint8_t* data, size_t length) {
  size_t at = txArena_.size();
  size_t headerLength = header != nullptr ? kEthernetHeader : 0;
  txArena_.resize(at + headerLength + length);
  if (header != nullptr) std::memcpy(txArena_.data() + at, header, headerLength);
  std::memcpy(txArena_.data() + at + headerLength, data, length);
  txEnds_.push_back(txArena_.size());
  if (!queued_) {
    if (pendingChannels == nullptr) pendingChannels = new std::vector<FrameChannel*>();
    pendingChannels->push_back(this);
    queued_ = true;
  }
  if (txEnds_.size() >= kMaxQueuedFrames || txArena_.size() >= kMaxQueuedBytes) FlushQueue();
}

void FrameChannel::FlushAllPending() {
  if (pendingChannels == nullptr) return;
  while (!pendingChannels->empty()) {
    std::vector<FrameChannel*> channels;
    channels.swap(*pendingChannels);
    for (FrameChannel* channel : channels) {
      channel->queued_ = false;
      channel->FlushQueue();
    }
  }
}

void FrameChannel::WriteNow(const VnetHeader* vnet, const uint8_t* header, const uint8_t* data, size_t length) {
  if (closed_) {
    CountWriteFailure(EBADF);
    return;
  }
  iovec parts[3];
  int count = 0;
  if (vnet != nullptr) parts[count++] = {const_cast<VnetHeader*>(vnet), sizeof(VnetHeader)};
  if (header != nullptr) parts[count++] = {const_cast<uint8_t*>(header), kEthernetHeader};
  parts[count++] = {const_cast<uint8_t*>(data), length};
  ssize_t n;
  if (kind_ == Kind::kTap) {
    n = count == 1 ? write(fd_, data, length) : writev(fd_, parts, count);
  } else {
    msghdr message;
    std::memset(&message, 0, sizeof message);
    message.msg_iov = parts;
    message.msg_iovlen = count;
    n = sendmsg(fd_, &message, MSG_DONTWAIT);
  }
  if (n < 0) {
    CountWriteFailure(errno);
    return;
  }
  tx_count_++;
  tx_bytes_ += static_cast<uint64_t>(n) - (vnet != nullptr ? sizeof(VnetHeader) : 0);
}

void FrameChannel::EmitCoalesced(void* self, const VnetHeader& header, const uint8_t* frame, size_t length,
                                 int merged) {
  FrameChannel* channel = static_cast<FrameChannel*>(self);
  uint64_t errors = channel->tx_errors_ + channel->tx_dropped_;
  channel->WriteNow(&header, nullptr, frame, length);
  if (merged > 1) {
    bool failed = channel->tx_errors_ + channel->tx_dropped_ != errors;
    // Count every segment, as if written one by one.
    if (failed) {
      channel->tx_dropped_ += static_cast<uint64_t>(merged - 1);
    } else {
      channel->tx_count_ += static_cast<uint64_t>(merged - 1);
      channel->tx_merged_ += static_cast<uint64_t>(merged);
    }
  }
}

void FrameChannel::FlushQueue() {
  size_t frames = txEnds_.size();
  if (frames == 0) return;
  tx_batches_++;
  const uint8_t* arena = txArena_.data();
  if (closed_) {
    for (size_t i = 0; i < frames; ++i) CountWriteFailure(EBADF);
  } else if (kind_ == Kind::kTap) {
    size_t start = 0;
    for (size_t i = 0; i < frames; ++i) {
      size_t end = txEnds_[i];
      if (offload_) {
        coalescer_.Add(arena + start, end - start, &FrameChannel::EmitCoalesced, this);
      } else {
        WriteNow(nullptr, nullptr, arena + start, end - start);
      }
      start = end;
    }
    if (offload_) coalescer_.Flush(&FrameChannel::EmitCoalesced, this);
  } else {
    mmsghdr messages[kMmsgBatch];
    iovec parts[kMmsgBatch];
    size_t done = 0;
    size_t start = 0;
    while (done < frames) {
      unsigned n = frames - done < kMmsgBatch ? static_cast<unsigned>(frames - done) : kMmsgBatch;
      size_t offset = start;
      for (unsigned i = 0; i < n; ++i) {
        size_t end = txEnds_[done + i];
        parts[i] = {const_cast<uint8_t*>(arena + offset), end - offset};
        std::memset(&messages[i], 0, sizeof messages[i]);
        messages[i].msg_hdr.msg_iov = &parts[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        offset = end;
      }
      int sent = sendmmsg(fd_, messages, n, MSG_DONTWAIT);
      if (sent < 0) {
        if (errno == EINTR) continue;
        // The first frame was refused: count it and carry on with the rest.
        CountWriteFailure(errno);
        sent = 1;
      } else {
        for (int i = 0; i < sent; ++i) {
          tx_count_++;
          tx_bytes_ += messages[i].msg_len;
        }
      }
      done += static_cast<size_t>(sent);
      start = txEnds_[done - 1];
    }
  }
  txArena_.clear();
  txEnds_.clear();
}

Napi::Value FrameChannel::RunBatched(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) {
    Napi::TypeError::New(env, "runBatched(fn): expected a function").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  batchDepth++;
  Napi::Value result = info[0].As<Napi::Function>().Call(env.Undefined(), {});
  if (--batchDepth == 0) FlushAllPending();
  return result;
}

Napi::Value FrameChannel::BatchWrites(const Napi::CallbackInfo& info) {
  bool on = info.Length() > 0 && info[0].IsBoolean() && info[0].As<Napi::Boolean>().Value();
  if (!on && batching_) FlushQueue();
  batching_ = on;
  return info.Env().Undefined();
}

void FrameChannel::CountWriteFailure(int code) {
  last_errno_ = code;
  // A router drops rather than queues: a full device queue or socket buffer is a drop, not an error.
  if (code == EAGAIN || code == EWOULDBLOCK || code == ENOBUFS) {
    tx_dropped_++;
  } else {
    tx_errors_++;
  }
}

Napi::Value FrameChannel::Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint8_t* data = nullptr;
  size_t length = 0;
  if (!BytesArg(info, 0, "write(frame)", &data, &length)) return env.Undefined();
  if (closed_) {
    CountWriteFailure(EBADF);
    return Napi::Boolean::New(env, false);
  }
  if (Deferring()) {
    Queue(nullptr, data, length);
    return Napi::Boolean::New(env, true);
  }
  uint64_t before = tx_count_;
  if (kind_ == Kind::kTap && offload_) {
    VnetHeader none = {};
    WriteNow(&none, nullptr, data, length);
  } else {
    WriteNow(nullptr, nullptr, data, length);
  }
  return Napi::Boolean::New(env, tx_count_ != before);
}

Napi::Value FrameChannel::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (kind_ != Kind::kPacket) {
    Napi::Error::New(env, "send(dst, payload): only packet sockets build Ethernet headers; use write(frame)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!info[0].IsNumber() || !IsMacNumber(info[0].As<Napi::Number>().DoubleValue())) {
    Napi::TypeError::New(env, "send(dst, payload): expected dst to be an integer in [0, 2^48)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const uint8_t* data = nullptr;
  size_t length = 0;
  if (!BytesArg(info, 1, "send(dst, payload)", &data, &length)) return env.Undefined();
  if (closed_) {
    CountWriteFailure(EBADF);
    return Napi::Boolean::New(env, false);
  }
  uint8_t header[kEthernetHeader];
  MacToBytes(info[0].As<Napi::Number>().DoubleValue(), header);
  std::memcpy(header + kMacLength, ownMac_, kMacLength);
  header[12] = static_cast<uint8_t>(etherType_ >> 8);
  header[13] = static_cast<uint8_t>(etherType_ & 0xff);
  if (Deferring()) {
    Queue(header, data, length);
    return Napi::Boolean::New(env, true);
  }
  // Header and payload go out as two iovecs: the payload is not copied in user space.
  uint64_t before = tx_count_;
  WriteNow(nullptr, header, data, length);
  return Napi::Boolean::New(env, tx_count_ != before);
}

Napi::Value FrameChannel::WriteEthernet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (kind_ != Kind::kTap) {
    Napi::Error::New(env, "writeEthernet(dst, src, etherType, payload): only TAP devices take whole frames")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  for (int i = 0; i < 2; ++i) {
    if (!info[i].IsNumber() || !IsMacNumber(info[i].As<Napi::Number>().DoubleValue())) {
      Napi::TypeError::New(env, "writeEthernet(dst, src, etherType, payload): expected dst and src to be integers in "
                                "[0, 2^48)")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }
  if (!info[2].IsNumber()) {
    Napi::TypeError::New(env, "writeEthernet(dst, src, etherType, payload): expected an EtherType number")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const uint8_t* data = nullptr;
  size_t length = 0;
  if (!BytesArg(info, 3, "writeEthernet(dst, src, etherType, payload)", &data, &length)) return env.Undefined();
  if (closed_) {
    CountWriteFailure(EBADF);
    return Napi::Boolean::New(env, false);
  }
  uint8_t header[kEthernetHeader];
  MacToBytes(info[0].As<Napi::Number>().DoubleValue(), header);
  MacToBytes(info[1].As<Napi::Number>().DoubleValue(), header + kMacLength);
  uint32_t etherType = info[2].As<Napi::Number>().Uint32Value();
  header[12] = static_cast<uint8_t>(etherType >> 8);
  header[13] = static_cast<uint8_t>(etherType & 0xff);
  if (Deferring()) {
    Queue(header, data, length);
    return Napi::Boolean::New(env, true);
  }
  uint64_t before = tx_count_;
  VnetHeader none = {};
  WriteNow(offload_ ? &none : nullptr, header, data, length);
  return Napi::Boolean::New(env, tx_count_ != before);
}

void FrameChannel::Shutdown() {
  if (closed_) return;
  closed_ = true;
  if (queued_ && pendingChannels != nullptr) {
    for (auto it = pendingChannels->begin(); it != pendingChannels->end(); ++it) {
      if (*it == this) {
        pendingChannels->erase(it);
        break;
      }
    }
    queued_ = false;
  }
  txArena_.clear();
  txEnds_.clear();
  if (cleanupHook_) {
    napi_remove_env_cleanup_hook(Env(), &FrameChannel::OnEnvCleanup, this);
    cleanupHook_ = false;
  }
  if (poll_ != nullptr) {
    // Stop before closing the fd: epoll must forget the fd while it is still valid.
    uv_poll_stop(poll_);
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

Napi::Value FrameChannel::Close(const Napi::CallbackInfo& info) {
  bool wasPolling = poll_ != nullptr;
  FlushQueue();  // frames written before close() still go out
  Shutdown();
  callback_.Reset();
  // The loop no longer points at us: let the wrapper be collected again (once: Shutdown is idempotent).
  if (wasPolling) Unref();
  return info.Env().Undefined();
}

Napi::Value FrameChannel::KeepLoopAlive(const Napi::CallbackInfo& info) {
  loopRef_ = true;
  if (poll_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.Env().Undefined();
}

Napi::Value FrameChannel::LetLoopExit(const Napi::CallbackInfo& info) {
  loopRef_ = false;
  if (poll_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.Env().Undefined();
}

Napi::Value FrameChannel::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object stats = Napi::Object::New(env);
  auto put = [&](const char* key, uint64_t value) { stats.Set(key, Napi::Number::New(env, static_cast<double>(value))); };
  put("rx", rx_count_);
  put("rxBytes", rx_bytes_);
  put("rxFiltered", rx_filtered_);
  put("rxErrors", rx_errors_);
  put("tx", tx_count_);
  put("txBytes", tx_bytes_);
  put("txDropped", tx_dropped_);
  put("txErrors", tx_errors_);
  put("rxOffloaded", rx_offloaded_);
  put("txMerged", tx_merged_);
  put("txBatches", tx_batches_);
  stats.Set("lastError", last_errno_ == 0 ? env.Null() : Napi::String::New(env, ErrnoName(last_errno_)));
  return stats;
}

}  // namespace vrr
