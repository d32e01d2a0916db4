// Interface queries in any network namespace, for a vrrd hosting nodes in namespaces other than its own:
//   openInterfaceQuery(netns) -> fd of a socket created inside netns (closed with fs.closeSync), whose ioctls
//     read that namespace's interfaces from then on without entering it again (carrier polling stays cheap);
//   queryInterface(fd, name) -> { name, ifindex, mtu, mac, hwType, flags, carrier (1, 0, -1 = unknown) }, or
//     null when there is no such interface;
//   listInterfaces(netns) -> every interface name in netns;
//   interfaceAddresses(netns, name) -> [{ family: 4|6, address, prefixLength }] on that interface.
#include "namespace_binding.h"

#include <cerrno>
#include <net/if.h>
#include <vector>

#include "interface_control.h"
#include "interface_query.h"
#include "mac_address.h"
#include "netns.h"
#include "sys_error.h"

namespace vrr {

bool NetnsArg(const Napi::CallbackInfo& info, size_t index, const char* context, std::string* path) {
  path->clear();
  Napi::Value v = info[index];
  if (v.IsUndefined() || v.IsNull()) return true;
  if (!v.IsString()) {
    Napi::TypeError::New(info.Env(), std::string(context) + ": expected a netns path string")
        .ThrowAsJavaScriptException();
    return false;
  }
  *path = v.As<Napi::String>().Utf8Value();
  if (!path->empty() && (*path)[0] != '/') {
    Napi::RangeError::New(info.Env(), std::string(context) +
                                          ": expected an absolute netns path (/run/netns/NAME, /proc/PID/ns/net), "
                                          "found \"" + *path + "\"")
        .ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

namespace {

bool NameArg(const Napi::CallbackInfo& info, size_t index, const char* context, std::string* name) {
  if (!info[index].IsString()) {
    Napi::TypeError::New(info.Env(), std::string(context) + ": expected an interface name string")
        .ThrowAsJavaScriptException();
    return false;
  }
  *name = info[index].As<Napi::String>().Utf8Value();
  if (name->empty() || name->size() >= IFNAMSIZ) {
    Napi::RangeError::New(info.Env(), std::string(context) + ": expected an interface name of 1-15 bytes, found \"" +
                                          *name + "\"")
        .ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

Napi::Value OpenInterfaceQueryBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string netns;
  if (!NetnsArg(info, 0, "openInterfaceQuery", &netns)) return env.Undefined();
  int fd = -1;
  SysError error = InNetns(netns, [&] { return OpenQuerySocket(&fd); });
  if (error.failed()) {
    ThrowSysError(env, "openInterfaceQuery(" + (netns.empty() ? std::string("current netns") : netns) + ")", error);
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

Napi::Value QueryInterfaceBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) {
    Napi::TypeError::New(env, "queryInterface: expected the fd from openInterfaceQuery").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  std::string name;
  if (!NameArg(info, 1, "queryInterface", &name)) return env.Undefined();
  InterfaceInfo iface;
  int carrier = -1;
  SysError error = QueryInterface(fd, name, &iface);
  if (!error.failed()) error = QueryCarrier(fd, name, &carrier);
  if (error.failed()) {
    // The interface is gone (or never was): a normal answer while links come and go.
    if (error.code == ENODEV) return env.Null();
    ThrowSysError(env, "queryInterface(" + name + ")", error);
    return env.Undefined();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("name", Napi::String::New(env, iface.name));
  out.Set("ifindex", Napi::Number::New(env, iface.ifindex));
  out.Set("mtu", Napi::Number::New(env, iface.mtu));
  out.Set("mac", Napi::Number::New(env, MacFromBytes(iface.mac)));
  out.Set("hwType", Napi::Number::New(env, iface.hwType));
  out.Set("flags", Napi::Number::New(env, iface.flags));
  out.Set("carrier", Napi::Number::New(env, carrier));
  return out;
}

Napi::Value ListInterfacesBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string netns;
  if (!NetnsArg(info, 0, "listInterfaces", &netns)) return env.Undefined();
  std::vector<std::string> names;
  SysError error = InNetns(netns, [&] { return ListInterfaceNames(&names); });
  if (error.failed()) {
    ThrowSysError(env, "listInterfaces(" + (netns.empty() ? std::string("current netns") : netns) + ")", error);
    return env.Undefined();
  }
  Napi::Array out = Napi::Array::New(env, names.size());
  for (size_t i = 0; i < names.size(); i++) out.Set(static_cast<uint32_t>(i), Napi::String::New(env, names[i]));
  return out;
}

Napi::Value InterfaceAddressesBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string netns;
  std::string name;
  if (!NetnsArg(info, 0, "interfaceAddresses", &netns)) return env.Undefined();
  if (!NameArg(info, 1, "interfaceAddresses", &name)) return env.Undefined();
  std::vector<InterfaceAddress> addresses;
  SysError error = InNetns(netns, [&] { return ListInterfaceAddresses(name, &addresses); });
  if (error.failed()) {
    ThrowSysError(env, "interfaceAddresses(" + name + NetnsSuffix(netns) + ")", error);
    return env.Undefined();
  }
  Napi::Array out = Napi::Array::New(env, addresses.size());
  for (size_t i = 0; i < addresses.size(); i++) {
    Napi::Object a = Napi::Object::New(env);
    a.Set("family", Napi::Number::New(env, addresses[i].family));
    a.Set("address", Napi::String::New(env, addresses[i].address));
    a.Set("prefixLength", Napi::Number::New(env, addresses[i].prefixLength));
    out.Set(static_cast<uint32_t>(i), a);
  }
  return out;
}

}  // namespace

void RegisterNamespaceBindings(Napi::Env env, Napi::Object exports) {
  exports.Set("openInterfaceQuery", Napi::Function::New(env, OpenInterfaceQueryBinding, "openInterfaceQuery"));
  exports.Set("queryInterface", Napi::Function::New(env, QueryInterfaceBinding, "queryInterface"));
  exports.Set("listInterfaces", Napi::Function::New(env, ListInterfacesBinding, "listInterfaces"));
  exports.Set("interfaceAddresses", Napi::Function::New(env, InterfaceAddressesBinding, "interfaceAddresses"));
}

}  // namespace vrr
