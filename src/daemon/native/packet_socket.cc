// See packet_socket.h.
#include "packet_socket.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

namespace vrr {

SysError OpenPacketSocket(const std::string& ifname, uint16_t etherType, int rcvBufBytes, int* fd,
                          InterfaceInfo* info) {
  // Protocol 0 receives nothing: the socket sees no frame until bind() names the interface and the
  // EtherType, so no frame of another interface can slip in between socket() and bind().
  int sock = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (sock < 0) return LastSysError("socket(AF_PACKET, SOCK_RAW)");
  SysError error = QueryInterface(sock, ifname, info);
  if (!error.failed() && rcvBufBytes > 0) {
    // FORCE passes rmem_max as root (CAP_NET_ADMIN); without it the plain option is capped but works.
    if (setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &rcvBufBytes, sizeof rcvBufBytes) < 0 &&
        setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &rcvBufBytes, sizeof rcvBufBytes) < 0) {
      error = LastSysError("setsockopt(SO_RCVBUF)");
    }
    // The same room to send: a batch of frames written with sendmmsg must not find the socket's budget spent.
    // Best effort (the kernel default still works, it just drops sooner).
    if (setsockopt(sock, SOL_SOCKET, SO_SNDBUFFORCE, &rcvBufBytes, sizeof rcvBufBytes) < 0) {
      setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &rcvBufBytes, sizeof rcvBufBytes);
    }
  }
  if (!error.failed()) {
    // Best effort (Linux >= 4.20); frames we sent ourselves are also filtered by packet type on receipt.
    int one = 1;
    setsockopt(sock, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    sockaddr_ll addr;
    std::memset(&addr, 0, sizeof addr);
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(etherType);
    addr.sll_ifindex = info->ifindex;
    if (bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) error = LastSysError("bind(AF_PACKET)");
  }
  if (error.failed()) {
    close(sock);
    return error;
  }
  *fd = sock;
  return SysError{};
}

}  // namespace vrr
