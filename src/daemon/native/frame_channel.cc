// See frame_channel.h.
#include "frame_channel.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sys_error.h"

namespace vrr {

namespace {

constexpr size_t kEthernetHeader = 14;
// Larger than any frame a TAP or packet socket hands us without GSO (64 KiB is the IP maximum).
constexpr size_t kReceiveBuffer = 65536 + kEthernetHeader;
constexpr int kMaxBudget = 4096;

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
                                                   InstanceMethod<&FrameChannel::Close>("close"),
                                                   InstanceMethod<&FrameChannel::Stats>("stats"),
                                                   InstanceMethod<&FrameChannel::KeepLoopAlive>("ref"),
                                                   InstanceMethod<&FrameChannel::LetLoopExit>("unref"),
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
  rx_.resize(kReceiveBuffer);
  napi_value resourceName = Napi::String::New(env, "vrr:FrameChannel");
  napi_async_init(env, Value(), resourceName, &asyncContext_);
}

FrameChannel::~FrameChannel() {
  // Reached only when the JS object is collected, which cannot happen while polling (Start keeps a strong
  // reference): so no callback can come after this. Still release the fd of a channel never closed.
  Shutdown();
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

ssize_t FrameChannel::ReadOne(double* source) {
  if (kind_ == Kind::kTap) {
    ssize_t n = read(fd_, rx_.data(), rx_.size());
    if (n >= 0) return n == 0 ? 0 : n;
  } else {
    sockaddr_ll from;
    socklen_t fromLength = sizeof from;
    ssize_t n = recvfrom(fd_, rx_.data(), rx_.size(), 0, reinterpret_cast<sockaddr*>(&from), &fromLength);
    if (n >= 0) {
      // Our own transmissions and frames for other hosts (a promiscuous NIC) are not for the daemon.
      if (from.sll_pkttype == PACKET_OUTGOING || from.sll_pkttype == PACKET_OTHERHOST ||
          static_cast<size_t>(n) < kEthernetHeader) {
        rx_filtered_++;
        return 0;
      }
      *source = MacFromBytes(rx_.data() + kMacLength);
      return n;
    }
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK) return -1;
  if (errno == EINTR) return 0;
  // ENETDOWN and friends are reported once per event by the kernel; count them and wait for the next wake-up.
  rx_errors_++;
  last_errno_ = errno;
  return -1;
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
  for (int attempt = 0; usable && attempt < budget_; ++attempt) {
    double source = 0;
    ssize_t n = ReadOne(&source);
    if (n < 0) break;
    if (n == 0) continue;
    rx_count_++;
    rx_bytes_ += static_cast<uint64_t>(n);
    size_t skip = kind_ == Kind::kTap ? 0 : kEthernetHeader;
    napi_value frame;
    usable = napi_create_buffer_copy(env, static_cast<size_t>(n) - skip, rx_.data() + skip, nullptr, &frame) ==
                 napi_ok &&
             napi_set_element(env, frames, count++, frame) == napi_ok;
    if (kind_ == Kind::kPacket) sources_.push_back(source);
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
    // moves on, as after any I/O callback in Node.
    napi_value argv[2] = {frames, sources};
    napi_value result;
    napi_make_callback(env, asyncContext_, Value(), callback_.Value(), 2, argv, &result);
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
  ssize_t n = kind_ == Kind::kTap ? write(fd_, data, length) : send(fd_, data, length, MSG_DONTWAIT);
  if (n < 0) {
    CountWriteFailure(errno);
    return Napi::Boolean::New(env, false);
  }
  tx_count_++;
  tx_bytes_ += static_cast<uint64_t>(n);
  return Napi::Boolean::New(env, true);
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
  // Header and payload go out as two iovecs: the payload is not copied in user space.
  iovec parts[2] = {{header, kEthernetHeader}, {const_cast<uint8_t*>(data), length}};
  msghdr message;
  std::memset(&message, 0, sizeof message);
  message.msg_iov = parts;
  message.msg_iovlen = 2;
  ssize_t n = sendmsg(fd_, &message, MSG_DONTWAIT);
  if (n < 0) {
    CountWriteFailure(errno);
    return Napi::Boolean::New(env, false);
  }
  tx_count_++;
  tx_bytes_ += static_cast<uint64_t>(n);
  return Napi::Boolean::New(env, true);
}

void FrameChannel::Shutdown() {
  if (closed_) return;
  closed_ = true;
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
  stats.Set("lastError", last_errno_ == 0 ? env.Null() : Napi::String::New(env, ErrnoName(last_errno_)));
  return stats;
}

}  // namespace vrr
