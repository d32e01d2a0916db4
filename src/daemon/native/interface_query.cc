// See interface_query.h.
#include "interface_query.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace vrr {

namespace {

// The number of leading one bits of a netmask of len bytes.
int PrefixLength(const uint8_t* mask, size_t len) {
  int bits = 0;
  for (size_t i = 0; i < len; i++) {
    uint8_t b = mask[i];
    while (b & 0x80) {
      bits++;
      b = static_cast<uint8_t>(b << 1);
    }
    if (mask[i] != 0xff) break;
  }
  return bits;
}

}  // namespace

SysError ListInterfaceNames(std::vector<std::string>* names) {
  struct if_nameindex* list = if_nameindex();
  if (list == nullptr) return LastSysError("if_nameindex");
  for (struct if_nameindex* i = list; i->if_index != 0 && i->if_name != nullptr; i++) names->emplace_back(i->if_name);
  if_freenameindex(list);
  return SysError{};
}

SysError ListInterfaceAddresses(const std::string& ifname, std::vector<InterfaceAddress>* addresses) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) < 0) return LastSysError("getifaddrs");
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_name == nullptr || ifname != a->ifa_name) continue;
    char text[INET6_ADDRSTRLEN] = {};
    InterfaceAddress out;
    if (a->ifa_addr->sa_family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(a->ifa_addr);
      inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
      out.family = 4;
      if (a->ifa_netmask != nullptr) {
        auto* mask = reinterpret_cast<sockaddr_in*>(a->ifa_netmask);
        out.prefixLength = PrefixLength(reinterpret_cast<uint8_t*>(&mask->sin_addr), 4);
      }
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(a->ifa_addr);
      inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
      out.family = 6;
      if (a->ifa_netmask != nullptr) {
        auto* mask = reinterpret_cast<sockaddr_in6*>(a->ifa_netmask);
        out.prefixLength = PrefixLength(reinterpret_cast<uint8_t*>(&mask->sin6_addr), 16);
      }
    } else {
      continue;
    }
    out.address = text;
    addresses->push_back(out);
  }
  freeifaddrs(list);
  return SysError{};
}

SysError OpenQuerySocket(int* fd) {
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return LastSysError("socket(AF_INET, SOCK_DGRAM)");
  *fd = sock;
  return SysError{};
}

}  // namespace vrr
