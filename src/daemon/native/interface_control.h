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
  // Interface flags (IFF_UP, IFF_RUNNING, IFF_LOOPBACK, ...; the low 16 bits SIOCGIFFLAGS reports).
  int flags = 0;
  // Hardware type of the address (ARPHRD_ETHER, ARPHRD_LOOPBACK, ARPHRD_NONE for an L3 tunnel, ...).
  int hwType = 0;
};

// Fills info (name, ifindex, MTU, MAC, flags) for the interface called name, in the namespace of sock.
SysError QueryInterface(int sock, const std::string& name, InterfaceInfo* info);

// Reads the carrier as the driver has it now (ETHTOOL_GLINK; what /sys/class/net/<if>/carrier shows): 1 or 0,
// or -1 when the driver cannot tell (then IFF_RUNNING, which follows the carrier after a delay, has to do).
SysError QueryCarrier(int sock, const std::string& name, int* carrier);

// Sets the interface's MTU.
SysError SetInterfaceMtu(int sock, const std::string& name, int mtu);

// Sets the interface's Ethernet address.
SysError SetInterfaceMac(int sock, const std::string& name, const uint8_t mac[kMacLength]);

// Sets IFF_UP on the interface.
SysError SetInterfaceUp(int sock, const std::string& name);

}  // namespace vrr
