// Opens a TAP device (IFF_TAP | IFF_NO_PI, non-blocking) and applies MTU, MAC and up.
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
};

// Creates the TAP; on success *fd is the non-blocking device fd and info describes it. The device lives
// as long as the fd (not persistent), so closing the fd removes it.
SysError OpenTap(const TapOptions& options, int* fd, InterfaceInfo* info);

}  // namespace vrr
