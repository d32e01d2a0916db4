// The addon's namespace functions (see namespace_binding.cc) and the netns argument shared by every open.
#pragma once

#include <napi.h>

#include <string>

namespace vrr {

// Reads the optional netns path argument at index: undefined or "" = the current namespace, else an absolute
// path. Throws a TypeError/RangeError naming context and returns false when it is neither.
bool NetnsArg(const Napi::CallbackInfo& info, size_t index, const char* context, std::string* path);

// Adds openInterfaceQuery, queryInterface, listInterfaces and interfaceAddresses to exports.
void RegisterNamespaceBindings(Napi::Env env, Napi::Object exports);

}  // namespace vrr
