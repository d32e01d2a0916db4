# Builds the link I/O addon (TAP devices and AF_PACKET sockets on Node's loop).
# Built offline: the root package's "install" script runs node-gyp with --nodedir=/usr,
# where Debian's Node headers live, so nothing is downloaded.
{
  "targets": [
    {
      "target_name": "vrr_link_io",
      "sources": [
        "addon.cc",
        "frame_channel.cc",
        "interface_control.cc",
        "interface_query.cc",
        "namespace_binding.cc",
        "netns.cc",
        "offload.cc",
        "packet_socket.cc",
        "sys_error.cc",
        "tap_device.cc"
      ],
      # Headers only (not the node_addon_api gyp target, whose stamp file lands outside build/).
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      # N-API 8 is what Node 18 (Debian 12's own nodejs) offers: one build runs on the host's Node 20
      # and on the node images.
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-fno-exceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
