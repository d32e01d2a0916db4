// See netns.h.
#include "netns.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vrr {

namespace {

// The calling thread's own namespace (thread-self, not self: setns moved this thread, not the process).
constexpr const char* kThreadNetns = "/proc/thread-self/ns/net";

}  // namespace

std::string NetnsSuffix(const std::string& path) { return path.empty() ? std::string() : " in netns " + path; }

SysError InNetns(const std::string& path, const std::function<SysError()>& work) {
  if (path.empty()) return work();
  int target = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) return LastSysError("open(" + path + ")");
  int home = open(kThreadNetns, O_RDONLY | O_CLOEXEC);
  if (home < 0) {
    SysError error = LastSysError(std::string("open(") + kThreadNetns + ")");
    close(target);
    return error;
  }
  if (setns(target, CLONE_NEWNET) < 0) {
    // EINVAL: the file is not a network namespace; EPERM: no CAP_SYS_ADMIN.
    SysError error = LastSysError("setns(" + path + ", CLONE_NEWNET)");
    close(target);
    close(home);
    return error;
  }
  SysError result = work();
  if (setns(home, CLONE_NEWNET) < 0) {
    int code = errno;
    std::fprintf(stderr, "vrr_link_io: cannot return from netns %s to the thread's own: %s; aborting\n",
                 path.c_str(), std::strerror(code));
    std::abort();
  }
  close(target);
  close(home);
  return result;
}

}  // namespace vrr
