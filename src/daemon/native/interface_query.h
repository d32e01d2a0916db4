// Reads about a namespace's interfaces without spawning `ip`: their names (if_nameindex) and the IP addresses
// on one of them (getifaddrs). Both open netlink sockets in the calling thread's namespace, so callers run them
// inside InNetns to see another one.
#pragma once

#include <string>
#include <vector>

#include "sys_error.h"

namespace vrr {

// One IP address on an interface.
struct InterfaceAddress {
  int family = 0;  // 4 or 6
  std::string address;
  int prefixLength = 0;
};

// Every interface name of the current namespace (kernel order).
SysError ListInterfaceNames(std::vector<std::string>* names);

// The IPv4 and IPv6 addresses configured on ifname (none when it has none, or does not exist).
SysError ListInterfaceAddresses(const std::string& ifname, std::vector<InterfaceAddress>* addresses);

// Opens a datagram socket for interface ioctls (SIOCGIF*) in the current namespace: the ioctls of a socket act
// on the namespace it was created in, wherever the caller is later.
SysError OpenQuerySocket(int* fd);

}  // namespace vrr
