// See interface_control.h.
#include "interface_control.h"

#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

namespace vrr {

namespace {

// An ifreq naming the interface; names are validated (< IFNAMSIZ) before they get here.
ifreq RequestFor(const std::string& name) {
  ifreq req;
  std::memset(&req, 0, sizeof req);
  std::strncpy(req.ifr_name, name.c_str(), IFNAMSIZ - 1);
  return req;
}

}  // namespace

SysError QueryInterface(int sock, const std::string& name, InterfaceInfo* info) {
  info->name = name;
  ifreq req = RequestFor(name);
  if (ioctl(sock, SIOCGIFINDEX, &req) < 0) return LastSysError("ioctl(SIOCGIFINDEX)");
  info->ifindex = req.ifr_ifindex;
  req = RequestFor(name);
  if (ioctl(sock, SIOCGIFMTU, &req) < 0) return LastSysError("ioctl(SIOCGIFMTU)");
  info->mtu = req.ifr_mtu;
  req = RequestFor(name);
  if (ioctl(sock, SIOCGIFHWADDR, &req) < 0) return LastSysError("ioctl(SIOCGIFHWADDR)");
  std::memcpy(info->mac, req.ifr_hwaddr.sa_data, kMacLength);
  info->hwType = req.ifr_hwaddr.sa_family;
  req = RequestFor(name);
  if (ioctl(sock, SIOCGIFFLAGS, &req) < 0) return LastSysError("ioctl(SIOCGIFFLAGS)");
  info->flags = static_cast<unsigned short>(req.ifr_flags);
  return SysError{};
}

SysError QueryCarrier(int sock, const std::string& name, int* carrier) {
  ethtool_value value;
  std::memset(&value, 0, sizeof value);
  value.cmd = ETHTOOL_GLINK;
  ifreq req = RequestFor(name);
  req.ifr_data = reinterpret_cast<char*>(&value);
  if (ioctl(sock, SIOCETHTOOL, &req) < 0) {
    if (errno == EOPNOTSUPP) {
      *carrier = -1;
      return SysError{};
    }
    return LastSysError("ioctl(SIOCETHTOOL, ETHTOOL_GLINK)");
  }
  *carrier = value.data != 0 ? 1 : 0;
  return SysError{};
}

SysError SetInterfaceMtu(int sock, const std::string& name, int mtu) {
  ifreq req = RequestFor(name);
  req.ifr_mtu = mtu;
  if (ioctl(sock, SIOCSIFMTU, &req) < 0) return LastSysError("ioctl(SIOCSIFMTU)");
  return SysError{};
}

SysError SetInterfaceMac(int sock, const std::string& name, const uint8_t mac[kMacLength]) {
  ifreq req = RequestFor(name);
  req.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  std::memcpy(req.ifr_hwaddr.sa_data, mac, kMacLength);
  if (ioctl(sock, SIOCSIFHWADDR, &req) < 0) return LastSysError("ioctl(SIOCSIFHWADDR)");
  return SysError{};
}

SysError SetInterfaceUp(int sock, const std::string& name) {
  ifreq req = RequestFor(name);
  if (ioctl(sock, SIOCGIFFLAGS, &req) < 0) return LastSysError("ioctl(SIOCGIFFLAGS)");
  req.ifr_flags |= IFF_UP;
  if (ioctl(sock, SIOCSIFFLAGS, &req) < 0) return LastSysError("ioctl(SIOCSIFFLAGS)");
  return SysError{};
}

}  // namespace vrr
