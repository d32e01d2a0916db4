// Opens a TAP device (IFF_TAP | IFF_NO_PI, non-blocking, optionally IFF_VNET_HDR) and applies MTU, MAC and up.
#pragma once

#include <string>

#include "interface_control.h"

namespace vrr {

// What to create; mtu 0 and hasMac false leave the kernel's defaults.
struct TapOptions {
  std::string name;
  int mtu = 0;
  bool hasMac = false;
  uint8_t mac[kMacLength] = {};
  bool up = false;
  // IFF_VNET_HDR with checksum and TCP segmentation offload (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6): every
  // frame read or written carries a 10-byte virtio_net_hdr (see offload.h).
  bool offload = false;
};

// Creates the TAP; on success *fd is the non-blocking device fd and info describes it. The device lives
// as long as the fd (not persistent), so closing the fd removes it.
SysError OpenTap(const TapOptions& options, int* fd, InterfaceInfo* info);

}  // namespace vrr
