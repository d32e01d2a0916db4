// A failed system call, carried back to the N-API layer and thrown there as a JS Error with .code/.errno.
#pragma once

#include <napi.h>

#include <string>

namespace vrr {

// What failed (e.g. "ioctl(TUNSETIFF)") and its errno; code == 0 means success.
struct SysError {
  int code = 0;
  std::string what;
  bool failed() const { return code != 0; }
};

// Captures the current errno for the named operation.
SysError LastSysError(const std::string& what);

// Throws `${context}: ${what} failed: ${strerror} (${ENAME})` as a pending JS exception.
void ThrowSysError(Napi::Env env, const std::string& context, const SysError& error);

// The symbolic name of an errno ("EPERM"), or "E<number>" when unknown.
std::string ErrnoName(int code);

}  // namespace vrr
