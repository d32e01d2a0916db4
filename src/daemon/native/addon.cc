// Module entry: openTap(name, mtu, mac, up, offload, netns) and openPacketSocket(ifname, etherType, rcvBufBytes,
// netns), each returning { channel, name, ifindex, mtu, mac }, runBatched(fn), trimMemory() and the namespace
// queries of namespace_binding.cc. netns (optional, "" = here) is the path of the network namespace to open the
// device or socket in (netns.h says how and why it is safe); the fd keeps that namespace. The typed API is in
// index.ts; this layer only validates.
#include <napi.h>
#include <net/if.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "frame_channel.h"
#include "namespace_binding.h"
#include "netns.h"
#include "packet_socket.h"
#include "sys_error.h"
#include "tap_device.h"

namespace vrr {

namespace {

// Per-environment state (one per main thread or worker): the FrameChannel constructor.
struct AddonData {
  Napi::FunctionReference channelClass;
};

// Reads an interface name argument; throws a RangeError unless 1..15 bytes (IFNAMSIZ - 1).
bool InterfaceNameArg(const Napi::CallbackInfo& info, const char* context, std::string* name) {
  if (!info[0].IsString()) {
    Napi::TypeError::New(info.Env(), std::string(context) + ": expected an interface name string")
        .ThrowAsJavaScriptException();
    return false;
  }
  *name = info[0].As<Napi::String>().Utf8Value();
  if (name->empty() || name->size() >= IFNAMSIZ) {
    Napi::RangeError::New(info.Env(), std::string(context) + ": expected an interface name of 1-15 bytes, found \"" +
                                          *name + "\"")
        .ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

// Wraps an open fd into a FrameChannel and describes the interface.
Napi::Value Opened(Napi::Env env, int fd, FrameChannel::Kind kind, uint16_t etherType, const InterfaceInfo& info,
                   bool offload = false) {
  AddonData* data = env.GetInstanceData<AddonData>();
  double mac = MacFromBytes(info.mac);
  Napi::Object channel = data->channelClass.New({Napi::Number::New(env, fd), Napi::Number::New(env, static_cast<int>(kind)),
                                                 Napi::Number::New(env, etherType), Napi::Number::New(env, mac),
                                                 Napi::Boolean::New(env, offload)});
  if (env.IsExceptionPending()) {
    close(fd);
    return env.Undefined();
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("channel", channel);
  result.Set("name", Napi::String::New(env, info.name));
  result.Set("ifindex", Napi::Number::New(env, info.ifindex));
  result.Set("mtu", Napi::Number::New(env, info.mtu));
  result.Set("mac", Napi::Number::New(env, mac));
  return result;
}

// openTap(name: string, mtu: number (0 = keep), mac: number (-1 = keep), up: boolean, offload: boolean, netns?: string)
Napi::Value OpenTapBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TapOptions options;
  if (!InterfaceNameArg(info, "openTap", &options.name)) return env.Undefined();
  options.mtu = info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 0;
  double mac = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : -1;
  if (mac >= 0) {
    if (!IsMacNumber(mac)) {
      Napi::RangeError::New(env, "openTap: expected mac to be an integer in [0, 2^48)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    options.hasMac = true;
    MacToBytes(mac, options.mac);
  }
  options.up = info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value();
  options.offload = info[4].IsBoolean() && info[4].As<Napi::Boolean>().Value();
  std::string netns;
  if (!NetnsArg(info, 5, "openTap", &netns)) return env.Undefined();
  int fd = -1;
  InterfaceInfo iface;
  // The device is created, configured and queried inside the namespace (tun binds a device to the namespace of
  // the thread that opened /dev/net/tun; the interface ioctls act where their socket was made).
  SysError error = InNetns(netns, [&] { return OpenTap(options, &fd, &iface); });
  if (error.failed()) {
    ThrowSysError(env, "openTap(" + options.name + NetnsSuffix(netns) + ")", error);
    return env.Undefined();
  }
  return Opened(env, fd, FrameChannel::Kind::kTap, 0, iface, options.offload);
}

// openPacketSocket(ifname: string, etherType: number, rcvBufBytes: number (0 = kernel default), netns?: string)
Napi::Value OpenPacketSocketBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string ifname;
  if (!InterfaceNameArg(info, "openPacketSocket", &ifname)) return env.Undefined();
  if (!info[1].IsNumber()) {
    Napi::TypeError::New(env, "openPacketSocket: expected an EtherType number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  uint32_t etherType = info[1].As<Napi::Number>().Uint32Value();
  int rcvBuf = info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : 0;
  std::string netns;
  if (!NetnsArg(info, 3, "openPacketSocket", &netns)) return env.Undefined();
  int fd = -1;
  InterfaceInfo iface;
  // socket(), the ifindex lookup and bind() all inside: the index names an interface of that namespace.
  SysError error = InNetns(netns, [&] {
    return OpenPacketSocket(ifname, static_cast<uint16_t>(etherType), rcvBuf, &fd, &iface);
  });
  if (error.failed()) {
    ThrowSysError(env, "openPacketSocket(" + ifname + NetnsSuffix(netns) + ")", error);
    return env.Undefined();
  }
  return Opened(env, fd, FrameChannel::Kind::kPacket, static_cast<uint16_t>(etherType), iface);
}

// trimMemory(): gives the C heap's free pages back to the system (glibc malloc_trim); true when any were.
// A burst of traffic leaves tens of MB of freed frame buffers in malloc's arenas, which glibc keeps otherwise.
Napi::Value TrimMemoryBinding(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

}  // namespace

}  // namespace vrr

// NODE_API_MODULE pastes the function name into an identifier: it must be unqualified, so it lives here.
static Napi::Object InitLinkIo(Napi::Env env, Napi::Object exports) {
  using namespace vrr;
  AddonData* data = new AddonData();
  data->channelClass = Napi::Persistent(FrameChannel::DefineClass(env));
  env.SetInstanceData<AddonData>(data);
  exports.Set("openTap", Napi::Function::New(env, OpenTapBinding, "openTap"));
  exports.Set("openPacketSocket", Napi::Function::New(env, OpenPacketSocketBinding, "openPacketSocket"));
  exports.Set("runBatched", Napi::Function::New(env, FrameChannel::RunBatched, "runBatched"));
  exports.Set("trimMemory", Napi::Function::New(env, TrimMemoryBinding, "trimMemory"));
  RegisterNamespaceBindings(env, exports);
  return exports;
}

NODE_API_MODULE(vrr_link_io, InitLinkIo)
