// See sys_error.h.
#include "sys_error.h"

#include <cerrno>
#include <cstring>

namespace vrr {

SysError LastSysError(const std::string& what) { return SysError{errno, what}; }

std::string ErrnoName(int code) {
  const char* name = strerrorname_np(code);
  return name != nullptr ? std::string(name) : "E" + std::to_string(code);
}

void ThrowSysError(Napi::Env env, const std::string& context, const SysError& error) {
  std::string message = context + ": " + error.what + " failed: " + std::strerror(error.code) + " (" +
                        ErrnoName(error.code) + ")";
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, ErrnoName(error.code)));
  err.Set("errno", Napi::Number::New(env, error.code));
  err.Set("syscall", Napi::String::New(env, error.what));
  err.ThrowAsJavaScriptException();
}

}  // namespace vrr
