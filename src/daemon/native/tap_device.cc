// See tap_device.h.
#include "tap_device.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace vrr {

namespace {

// MTU, MAC, up and the final query go through a throwaway control socket (ioctls on interfaces need one).
SysError Configure(const TapOptions& options, const std::string& name, InterfaceInfo* info) {
  int ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (ctl < 0) return LastSysError("socket(AF_INET, SOCK_DGRAM)");
  SysError error;
  if (options.hasMac) error = SetInterfaceMac(ctl, name, options.mac);
  if (!error.failed() && options.mtu > 0) error = SetInterfaceMtu(ctl, name, options.mtu);
  if (!error.failed() && options.up) error = SetInterfaceUp(ctl, name);
  if (!error.failed()) error = QueryInterface(ctl, name, info);
  close(ctl);
  return error;
}

}  // namespace

SysError OpenTap(const TapOptions& options, int* fd, InterfaceInfo* info) {
  int tun = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (tun < 0) return LastSysError("open(/dev/net/tun)");
  ifreq req;
  std::memset(&req, 0, sizeof req);
  req.ifr_flags = IFF_TAP | IFF_NO_PI | (options.offload ? IFF_VNET_HDR : 0);
  std::strncpy(req.ifr_name, options.name.c_str(), IFNAMSIZ - 1);
  if (ioctl(tun, TUNSETIFF, &req) < 0) {
    SysError error = LastSysError("ioctl(TUNSETIFF)");
    close(tun);
    return error;
  }
  if (options.offload) {
    // The kernel may then hand us TCP super-packets of up to 64 KiB and frames with the checksum left to do,
    // saving the sending host a segmentation and a wake-up per segment; the channel completes both.
    int headerSize = 10;  // sizeof(struct virtio_net_hdr)
    unsigned offloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
    if (ioctl(tun, TUNSETVNETHDRSZ, &headerSize) < 0 || ioctl(tun, TUNSETOFFLOAD, offloads) < 0) {
      SysError error = LastSysError("ioctl(TUNSETOFFLOAD)");
      close(tun);
      return error;
    }
  }
  // The kernel may have completed a pattern such as "vrr%d": use the name it chose.
  std::string name(req.ifr_name, strnlen(req.ifr_name, IFNAMSIZ));
  SysError error = Configure(options, name, info);
  if (error.failed()) {
    close(tun);
    return error;
  }
  *fd = tun;
  return SysError{};
}

}  // namespace vrr
