// 48-bit MAC addresses: JS carries them as numbers (exact below 2^53), the wire as 6 big-endian bytes.
#pragma once

#include <cmath>
#include <cstdint>

namespace vrr {

constexpr int kMacLength = 6;

// True when v is an integer in [0, 2^48), i.e. a MAC address held in a JS number.
inline bool IsMacNumber(double v) {
  return std::isfinite(v) && v >= 0 && v < 281474976710656.0 && std::floor(v) == v;
}

// Writes the 6 wire bytes of a MAC held in a number (most significant byte first).
inline void MacToBytes(double v, uint8_t out[kMacLength]) {
  uint64_t x = static_cast<uint64_t>(v);
  for (int i = kMacLength - 1; i >= 0; --i) {
    out[i] = static_cast<uint8_t>(x & 0xff);
    x >>= 8;
  }
}

// Reads 6 wire bytes into a number.
inline double MacFromBytes(const uint8_t in[kMacLength]) {
  uint64_t x = 0;
  for (int i = 0; i < kMacLength; ++i) x = (x << 8) | in[i];
  return static_cast<double>(x);
}

}  // namespace vrr
