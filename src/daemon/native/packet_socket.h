// Opens an AF_PACKET SOCK_RAW socket bound to one interface and one EtherType, non-blocking.
#pragma once

#include <cstdint>
#include <string>

#include "interface_control.h"

namespace vrr {

// Opens and binds the socket; rcvBufBytes > 0 enlarges the receive buffer (bursts of 1,000 small frames
// overflow the default 208 KiB before the loop gets to read them).
SysError OpenPacketSocket(const std::string& ifname, uint16_t etherType, int rcvBufBytes, int* fd,
                          InterfaceInfo* info);

}  // namespace vrr
