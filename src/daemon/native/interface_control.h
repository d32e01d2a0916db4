// Interface queries and settings by name (index, MTU, MAC, up) through ioctls on any socket: no `ip` spawn.
#pragma once

#include <cstdint>
#include <string>

#include "mac_address.h"
#include "sys_error.h"

namespace vrr {

// What the daemon needs to know about a link-layer interface.
struct InterfaceInfo {
  std::string name;
  int ifindex = 0;
  int mtu = 0;
  uint8_t mac[kMacLength] = {};
};

// Fills info (name, ifindex, MTU, MAC) for the interface called name.
SysError QueryInterface(int sock, const std::string& name, InterfaceInfo* info);

// Sets the interface's MTU.
SysError SetInterfaceMtu(int sock, const std::string& name, int mtu);

// Sets the interface's Ethernet address.
SysError SetInterfaceMac(int sock, const std::string& name, const uint8_t mac[kMacLength]);

// Sets IFF_UP on the interface.
SysError SetInterfaceUp(int sock, const std::string& name);

}  // namespace vrr
