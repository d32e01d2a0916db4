// Work done inside another network namespace on the calling thread: enter it (setns), do the work, return to the
// thread's own namespace before anything else runs on the thread. Sockets and TAP devices opened meanwhile keep
// the namespace they were created in for their whole life, so vrrd can host many nodes, each with its links and
// its overlay TAP in its own namespace, on one thread.
//
// Why doing this on Node's main thread is safe: setns(CLONE_NEWNET) changes the namespace of the calling thread
// only (not of libuv's pool or V8's helpers), and the switch is bracketed inside one synchronous native call: no
// JS, no callback and no other native code runs on the thread between the two setns calls. Every path out of
// InNetns, errors included, goes back first. Returning can fail only if the kernel refuses to re-enter a
// namespace we hold an open fd for; that would leave every later socket of the process in the wrong namespace,
// so it aborts the process instead of going on silently.
#pragma once

#include <functional>
#include <string>

#include "sys_error.h"

namespace vrr {

// Runs work inside the network namespace at path (a bind mount such as /run/netns/<name>, or /proc/<pid>/ns/net),
// then returns to the namespace the thread was in. An empty path runs work where the thread is. A failure to
// enter is returned with what failed and the path; work's own error is returned unchanged.
SysError InNetns(const std::string& path, const std::function<SysError()>& work);

// " in netns <path>" for error contexts ("" when path is empty: the current namespace).
std::string NetnsSuffix(const std::string& path);

}  // namespace vrr
